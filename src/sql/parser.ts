// The Sluice grammar: one reused Chevrotain CstParser, rules as class properties, no embedded
// actions. It only recognises; to-ast.ts turns the CST into the AST and checks what a grammar
// cannot say (one WATERMARK per source, TUMBLE/HOP arity). Recovery is off: first error wins.

import { CstParser } from 'chevrotain';
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import * as T from './lexer.js';

/**
 * Chevrotain's messages are never shown; the provider keeps what was expected, in a form
 * diagnostics can turn into words (see errors.ts in index.ts: `expectedOf`).
 */
const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected }) => encode([[expected]]),
  buildNotAllInputParsedMessage: () => encode([]),
  buildNoViableAltMessage: ({ expectedPathsPerAlt }) => encode(expectedPathsPerAlt.flat()),
  buildEarlyExitMessage: ({ expectedIterationPaths }) => encode(expectedIterationPaths),
};

/** The first token of each path, by token name. */
function encode(paths: TokenType[][]): string {
  const names = new Set<string>();
  for (const p of paths) if (p[0]) names.add(p[0].name);
  return JSON.stringify([...names]);
}

/** Token names a parser error said could come at its position (empty when unknown). */
export function expectedTokenNames(message: string): string[] {
  try {
    const parsed: unknown = JSON.parse(message);
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export class SluiceParser extends CstParser {
  /**
   * `validate`: Chevrotain's grammar validations (ambiguities, left recursion), about 20 ms of
   * every start-up; the grammar is fixed at build time, so they run in a unit test
   * (test/unit/sql/grammar-valid.test.ts), not in every process.
   */
  constructor(validate = false) {
    super(T.allTokens, { recoveryEnabled: false, nodeLocationTracking: 'full', maxLookahead: 3, errorMessageProvider, skipValidations: !validate });
    this.performSelfAnalysis();
  }

  // -------------------------------------------------------------------------------------------
  // Scripts and statements

  readonly script = this.RULE('script', () => {
    this.OPTION(() => this.SUBRULE(this.statement));
    this.MANY(() => {
      this.CONSUME(T.Semicolon);
      this.OPTION2(() => this.SUBRULE2(this.statement));
    });
  });

  readonly statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.createStatement) },
      { ALT: () => this.SUBRULE(this.query) },
      { ALT: () => this.SUBRULE(this.explainStatement) },
      { ALT: () => this.SUBRULE(this.setStatement) },
      { ALT: () => this.SUBRULE(this.showStatement) },
      { ALT: () => this.SUBRULE(this.describeStatement) },
      { ALT: () => this.SUBRULE(this.dropStatement) },
    ]);
  });

  readonly createStatement = this.RULE('createStatement', () => {
    this.CONSUME(T.CREATE);
    this.OR([
      { ALT: () => this.SUBRULE(this.createSource) },
      { ALT: () => this.SUBRULE(this.createTable) },
      { ALT: () => this.SUBRULE(this.createView) },
      { ALT: () => this.SUBRULE(this.createSink) },
    ]);
  });

  readonly createSource = this.RULE('createSource', () => {
    this.CONSUME(T.SOURCE);
    this.OPTION(() => {
      this.CONSUME(T.IF);
      this.CONSUME(T.NOT);
      this.CONSUME(T.EXISTS);
    });
    this.SUBRULE(this.identifier, { LABEL: 'name' });
    this.OPTION2(() => {
      this.CONSUME(T.LParen);
      this.SUBRULE(this.sourceElement);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.sourceElement);
      });
      this.CONSUME(T.RParen);
    });
    this.SUBRULE(this.withClause);
  });

  /** `CREATE TABLE name (cols..., [PRIMARY KEY (k, ...)], [WATERMARK ...]) WITH (...)`: reference data to join with. */
  readonly createTable = this.RULE('createTable', () => {
    this.CONSUME(T.TABLE);
    this.OPTION(() => {
      this.CONSUME(T.IF);
      this.CONSUME(T.NOT);
      this.CONSUME(T.EXISTS);
    });
    this.SUBRULE(this.identifier, { LABEL: 'name' });
    this.CONSUME(T.LParen);
    this.SUBRULE(this.tableElement);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.tableElement);
    });
    this.CONSUME(T.RParen);
    this.SUBRULE(this.withClause);
  });

  readonly tableElement = this.RULE('tableElement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.primaryKeyDef) },
      { ALT: () => this.SUBRULE(this.watermarkDef) },
      { ALT: () => this.SUBRULE(this.columnDef) },
    ]);
  });

  readonly primaryKeyDef = this.RULE('primaryKeyDef', () => {
    this.CONSUME(T.PRIMARY);
    this.CONSUME(T.KEY);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.identifier, { LABEL: 'column' });
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.identifier, { LABEL: 'column' });
    });
    this.CONSUME(T.RParen);
  });

  readonly sourceElement = this.RULE('sourceElement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.watermarkDef) },
      { ALT: () => this.SUBRULE(this.columnDef) },
    ]);
  });

  readonly watermarkDef = this.RULE('watermarkDef', () => {
    this.CONSUME(T.WATERMARK);
    this.CONSUME(T.FOR);
    this.SUBRULE(this.identifier, { LABEL: 'column' });
    this.CONSUME(T.AS);
    this.SUBRULE(this.expression);
  });

  readonly columnDef = this.RULE('columnDef', () => {
    this.SUBRULE(this.identifier, { LABEL: 'name' });
    this.SUBRULE(this.typeName);
    this.OPTION(() => this.CONSUME(T.KEY));
  });

  readonly typeName = this.RULE('typeName', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.BOOLEAN, { LABEL: 'simple' }) },
      { ALT: () => this.CONSUME(T.INT, { LABEL: 'simple' }) },
      { ALT: () => this.CONSUME(T.INTEGER, { LABEL: 'simple' }) },
      { ALT: () => this.CONSUME(T.BIGINT, { LABEL: 'simple' }) },
      { ALT: () => this.CONSUME(T.DOUBLE, { LABEL: 'simple' }) },
      { ALT: () => this.CONSUME(T.FLOAT, { LABEL: 'simple' }) },
      { ALT: () => this.CONSUME(T.VARCHAR, { LABEL: 'simple' }) },
      { ALT: () => this.CONSUME(T.STRING, { LABEL: 'simple' }) },
      { ALT: () => this.CONSUME(T.TEXT, { LABEL: 'simple' }) },
      { ALT: () => this.CONSUME(T.TIMESTAMP, { LABEL: 'simple' }) },
      { ALT: () => this.SUBRULE(this.structType) },
    ]);
  });

  readonly structType = this.RULE('structType', () => {
    this.CONSUME(T.STRUCT);
    this.CONSUME(T.Lt);
    this.SUBRULE(this.structTypeField);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.structTypeField);
    });
    this.CONSUME(T.Gt);
  });

  readonly structTypeField = this.RULE('structTypeField', () => {
    this.SUBRULE(this.identifier, { LABEL: 'name' });
    this.SUBRULE(this.typeName);
  });

  readonly withClause = this.RULE('withClause', () => {
    this.CONSUME(T.WITH);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.withOption);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.withOption);
    });
    this.CONSUME(T.RParen);
  });

  readonly withOption = this.RULE('withOption', () => {
    this.SUBRULE(this.optionKey);
    this.CONSUME(T.Eq);
    this.SUBRULE(this.optionValue);
  });

  readonly optionKey = this.RULE('optionKey', () => {
    this.SUBRULE(this.optionKeyPart, { LABEL: 'part' });
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.SUBRULE2(this.optionKeyPart, { LABEL: 'part' });
    });
  });

  /** Option keys are not names in a query: even reserved words are fine (`checkpoint.interval`). */
  readonly optionKeyPart = this.RULE('optionKeyPart', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.identifier) },
      { ALT: () => this.CONSUME(T.Reserved) },
    ]);
  });

  readonly optionValue = this.RULE('optionValue', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.StringLiteral) },
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(T.Minus));
          this.CONSUME(T.NumberLiteral);
        },
      },
      { ALT: () => this.CONSUME(T.Duration) },
      { ALT: () => this.CONSUME(T.TRUE) },
      { ALT: () => this.CONSUME(T.FALSE) },
      { ALT: () => this.SUBRULE(this.identifier) },
    ]);
  });

  readonly createView = this.RULE('createView', () => {
    this.CONSUME(T.VIEW);
    this.SUBRULE(this.identifier, { LABEL: 'name' });
    this.CONSUME(T.AS);
    this.SUBRULE(this.query);
  });

  readonly createSink = this.RULE('createSink', () => {
    this.CONSUME(T.SINK);
    this.SUBRULE(this.identifier, { LABEL: 'name' });
    this.OPTION(() => this.SUBRULE(this.withClause));
    this.CONSUME(T.AS);
    this.SUBRULE(this.query);
  });

  readonly explainStatement = this.RULE('explainStatement', () => {
    this.CONSUME(T.EXPLAIN);
    this.OR([
      { ALT: () => this.SUBRULE(this.query) },
      { ALT: () => this.SUBRULE(this.identifier, { LABEL: 'sink' }) },
    ]);
  });

  readonly setStatement = this.RULE('setStatement', () => {
    this.CONSUME(T.SET);
    this.SUBRULE(this.optionKey);
    this.CONSUME(T.Eq);
    this.SUBRULE(this.optionValue);
  });

  readonly showStatement = this.RULE('showStatement', () => {
    this.CONSUME(T.SHOW);
    this.OR([
      { ALT: () => this.CONSUME(T.SOURCES, { LABEL: 'what' }) },
      { ALT: () => this.CONSUME(T.VIEWS, { LABEL: 'what' }) },
      { ALT: () => this.CONSUME(T.SINKS, { LABEL: 'what' }) },
      { ALT: () => this.CONSUME(T.TABLES, { LABEL: 'what' }) },
      { ALT: () => this.CONSUME(T.STATE, { LABEL: 'what' }) },
    ]);
  });

  readonly describeStatement = this.RULE('describeStatement', () => {
    this.CONSUME(T.DESCRIBE);
    this.SUBRULE(this.identifier, { LABEL: 'name' });
  });

  readonly dropStatement = this.RULE('dropStatement', () => {
    this.CONSUME(T.DROP);
    this.OR([
      { ALT: () => this.CONSUME(T.SOURCE, { LABEL: 'what' }) },
      { ALT: () => this.CONSUME(T.VIEW, { LABEL: 'what' }) },
      { ALT: () => this.CONSUME(T.SINK, { LABEL: 'what' }) },
      { ALT: () => this.CONSUME(T.TABLE, { LABEL: 'what' }) },
    ]);
    this.OPTION(() => {
      this.CONSUME(T.IF);
      this.CONSUME(T.EXISTS);
    });
    this.SUBRULE(this.identifier, { LABEL: 'name' });
  });

  // -------------------------------------------------------------------------------------------
  // Queries

  /** SELECT blocks joined by UNION [ALL | DISTINCT]. */
  readonly query = this.RULE('query', () => {
    this.SUBRULE(this.selectBlock);
    this.MANY(() => {
      this.CONSUME(T.UNION);
      this.OPTION(() => {
        this.OR([
          { ALT: () => this.CONSUME(T.ALL, { LABEL: 'quantifier' }) },
          { ALT: () => this.CONSUME(T.DISTINCT, { LABEL: 'quantifier' }) },
        ]);
      });
      this.SUBRULE2(this.selectBlock);
    });
  });

  readonly selectBlock = this.RULE('selectBlock', () => {
    this.CONSUME(T.SELECT);
    this.OPTION(() => this.CONSUME(T.DISTINCT));
    this.SUBRULE(this.selectItem);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.selectItem);
    });
    this.CONSUME(T.FROM);
    this.SUBRULE(this.fromItem);
    this.MANY3(() => this.SUBRULE(this.joinClause));
    this.OPTION2(() => {
      this.CONSUME(T.WHERE);
      this.SUBRULE(this.expression, { LABEL: 'where' });
    });
    this.OPTION3(() => {
      this.CONSUME(T.GROUP);
      this.CONSUME(T.BY);
      this.SUBRULE(this.groupByItem);
      this.MANY2(() => {
        this.CONSUME2(T.Comma);
        this.SUBRULE2(this.groupByItem);
      });
    });
    this.OPTION4(() => {
      this.CONSUME(T.HAVING);
      this.SUBRULE4(this.expression, { LABEL: 'having' });
    });
    this.OPTION5(() => {
      this.CONSUME(T.EMIT);
      this.OR([
        { ALT: () => this.CONSUME(T.FINAL, { LABEL: 'emitMode' }) },
        { ALT: () => this.CONSUME(T.CHANGES, { LABEL: 'emitMode' }) },
      ]);
    });
  });

  /**
   * One GROUP BY item: an expression (a key or a window), or `GROUPING SETS ((a, b), (a), ())`,
   * `ROLLUP(a, b)`, `CUBE(a, b)`. In GROUP BY, `ROLLUP(...)` and `CUBE(...)` are always these,
   * never calls of functions of those names (hence the ignored ambiguity).
   */
  readonly groupByItem = this.RULE('groupByItem', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.GROUPING);
            this.CONSUME(T.SETS);
            this.CONSUME(T.LParen);
            this.SUBRULE(this.groupingSet);
            this.MANY(() => {
              this.CONSUME(T.Comma);
              this.SUBRULE2(this.groupingSet);
            });
            this.CONSUME(T.RParen);
          },
        },
        { ALT: () => this.SUBRULE(this.groupingList, { LABEL: 'rollup' }), GATE: () => this.LA(1).tokenType === T.ROLLUP && this.LA(2).tokenType === T.LParen },
        { ALT: () => this.SUBRULE2(this.groupingList, { LABEL: 'cube' }), GATE: () => this.LA(1).tokenType === T.CUBE && this.LA(2).tokenType === T.LParen },
        { ALT: () => this.SUBRULE(this.expression, { LABEL: 'groupBy' }) },
      ],
    });
  });

  /** `ROLLUP(a, b)` or `CUBE(a, b)`: the word, then the columns. */
  readonly groupingList = this.RULE('groupingList', () => {
    this.OR([{ ALT: () => this.CONSUME(T.ROLLUP, { LABEL: 'word' }) }, { ALT: () => this.CONSUME(T.CUBE, { LABEL: 'word' }) }]);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression, { LABEL: 'item' });
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.expression, { LABEL: 'item' });
    });
    this.CONSUME(T.RParen);
  });

  /** One set of GROUPING SETS: `(a, b)`, `()` or a single expression. */
  readonly groupingSet = this.RULE('groupingSet', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.OPTION(() => {
              this.SUBRULE(this.expression, { LABEL: 'item' });
              this.MANY(() => {
                this.CONSUME(T.Comma);
                this.SUBRULE2(this.expression, { LABEL: 'item' });
              });
            });
            this.CONSUME(T.RParen);
          },
        },
        { ALT: () => this.SUBRULE3(this.expression, { LABEL: 'item' }) },
      ],
    });
  });

  readonly selectItem = this.RULE('selectItem', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Star) },
      {
        ALT: () => {
          this.SUBRULE(this.identifier, { LABEL: 'qualifier' });
          this.CONSUME(T.Dot);
          this.CONSUME2(T.Star);
        },
      },
      {
        ALT: () => {
          this.SUBRULE(this.expression);
          this.OPTION(() => this.SUBRULE(this.aliasClause));
        },
      },
    ]);
  });

  readonly aliasClause = this.RULE('aliasClause', () => {
    this.OPTION(() => this.CONSUME(T.AS));
    this.SUBRULE(this.identifier, { LABEL: 'alias' });
  });

  readonly fromItem = this.RULE('fromItem', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.windowTvf) },
      { ALT: () => this.SUBRULE(this.subquery) },
      { ALT: () => this.SUBRULE(this.identifier, { LABEL: 'table' }) },
    ]);
    this.OPTION(() => this.SUBRULE(this.aliasClause));
  });

  /** `[INNER | LEFT [OUTER] | RIGHT [OUTER] | FULL [OUTER] | CROSS] JOIN item [ON cond]`: to-ast.ts refuses all but one JOIN ... ON. */
  readonly joinClause = this.RULE('joinClause', () => {
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.INNER, { LABEL: 'joinType' }) },
        { ALT: () => this.CONSUME(T.LEFT, { LABEL: 'joinType' }) },
        { ALT: () => this.CONSUME(T.RIGHT, { LABEL: 'joinType' }) },
        { ALT: () => this.CONSUME(T.FULL, { LABEL: 'joinType' }) },
        { ALT: () => this.CONSUME(T.CROSS, { LABEL: 'joinType' }) },
      ]);
      this.OPTION2(() => this.CONSUME(T.OUTER));
    });
    this.CONSUME(T.JOIN);
    this.OR2([
      { ALT: () => this.SUBRULE(this.temporalItem) },
      { ALT: () => this.SUBRULE(this.fromItem, { LABEL: 'right' }) },
    ]);
    this.OPTION3(() => {
      this.CONSUME(T.ON);
      this.SUBRULE(this.expression, { LABEL: 'on' });
    });
  });

  /** `t FOR SYSTEM_TIME AS OF s.ts [[AS] alias]`: the table version valid at a stream row's event time. */
  readonly temporalItem = this.RULE('temporalItem', () => {
    this.SUBRULE(this.identifier, { LABEL: 'table' });
    this.CONSUME(T.FOR);
    this.CONSUME(T.SYSTEM_TIME);
    this.CONSUME(T.AS);
    this.CONSUME(T.OF);
    this.SUBRULE(this.expression, { LABEL: 'asOf' });
    this.OPTION(() => this.SUBRULE(this.aliasClause));
  });

  readonly subquery = this.RULE('subquery', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.query);
    this.CONSUME(T.RParen);
  });

  readonly windowTvf = this.RULE('windowTvf', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.TUMBLE, { LABEL: 'fn' }) },
      { ALT: () => this.CONSUME(T.HOP, { LABEL: 'fn' }) },
      { ALT: () => this.CONSUME(T.CUMULATE, { LABEL: 'fn' }) },
    ]);
    this.CONSUME(T.LParen);
    this.OR2([
      { ALT: () => this.SUBRULE(this.subquery, { LABEL: 'inputQuery' }) },
      { ALT: () => this.SUBRULE(this.identifier, { LABEL: 'inputTable' }) },
    ]);
    this.CONSUME(T.Comma);
    this.SUBRULE2(this.identifier, { LABEL: 'timeCol' });
    this.AT_LEAST_ONE(() => {
      this.CONSUME2(T.Comma);
      this.SUBRULE(this.expression, { LABEL: 'arg' });
    });
    this.CONSUME(T.RParen);
  });

  // -------------------------------------------------------------------------------------------
  // Expressions, lowest precedence first

  readonly expression = this.RULE('expression', () => {
    this.SUBRULE(this.andExpr, { LABEL: 'operand' });
    this.MANY(() => {
      this.CONSUME(T.OR, { LABEL: 'op' });
      this.SUBRULE2(this.andExpr, { LABEL: 'operand' });
    });
  });

  readonly andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr, { LABEL: 'operand' });
    this.MANY(() => {
      this.CONSUME(T.AND, { LABEL: 'op' });
      this.SUBRULE2(this.notExpr, { LABEL: 'operand' });
    });
  });

  readonly notExpr = this.RULE('notExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.NOT);
          this.SUBRULE(this.notExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.predicate) },
    ]);
  });

  readonly predicate = this.RULE('predicate', () => {
    this.SUBRULE(this.concatExpr, { LABEL: 'operand' });
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.OR2([
              { ALT: () => this.CONSUME(T.Eq, { LABEL: 'compOp' }) },
              { ALT: () => this.CONSUME(T.NotEq, { LABEL: 'compOp' }) },
              { ALT: () => this.CONSUME(T.Lt, { LABEL: 'compOp' }) },
              { ALT: () => this.CONSUME(T.LtEq, { LABEL: 'compOp' }) },
              { ALT: () => this.CONSUME(T.Gt, { LABEL: 'compOp' }) },
              { ALT: () => this.CONSUME(T.GtEq, { LABEL: 'compOp' }) },
            ]);
            this.SUBRULE2(this.concatExpr, { LABEL: 'right' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.IS);
            this.OPTION2(() => this.CONSUME(T.NOT));
            this.CONSUME(T.NULL);
          },
        },
        {
          ALT: () => {
            this.OPTION3(() => this.CONSUME2(T.NOT));
            this.OR3([
              { ALT: () => this.SUBRULE(this.inTail) },
              { ALT: () => this.SUBRULE(this.betweenTail) },
              { ALT: () => this.SUBRULE(this.likeTail) },
            ]);
          },
        },
      ]);
    });
  });

  readonly inTail = this.RULE('inTail', () => {
    this.CONSUME(T.IN);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression, { LABEL: 'item' });
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.expression, { LABEL: 'item' });
    });
    this.CONSUME(T.RParen);
  });

  readonly betweenTail = this.RULE('betweenTail', () => {
    this.CONSUME(T.BETWEEN);
    this.SUBRULE(this.concatExpr, { LABEL: 'low' });
    this.CONSUME(T.AND);
    this.SUBRULE2(this.concatExpr, { LABEL: 'high' });
  });

  readonly likeTail = this.RULE('likeTail', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.LIKE, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(T.ILIKE, { LABEL: 'op' }) },
    ]);
    this.SUBRULE(this.concatExpr, { LABEL: 'pattern' });
  });

  readonly concatExpr = this.RULE('concatExpr', () => {
    this.SUBRULE(this.additiveExpr, { LABEL: 'operand' });
    this.MANY(() => {
      this.CONSUME(T.Concat, { LABEL: 'op' });
      this.SUBRULE2(this.additiveExpr, { LABEL: 'operand' });
    });
  });

  readonly additiveExpr = this.RULE('additiveExpr', () => {
    this.SUBRULE(this.multiplicativeExpr, { LABEL: 'operand' });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Plus, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.Minus, { LABEL: 'op' }) },
      ]);
      this.SUBRULE2(this.multiplicativeExpr, { LABEL: 'operand' });
    });
  });

  readonly multiplicativeExpr = this.RULE('multiplicativeExpr', () => {
    this.SUBRULE(this.unaryExpr, { LABEL: 'operand' });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Star, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.Slash, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.Percent, { LABEL: 'op' }) },
      ]);
      this.SUBRULE2(this.unaryExpr, { LABEL: 'operand' });
    });
  });

  readonly unaryExpr = this.RULE('unaryExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Minus, { LABEL: 'op' }) },
            { ALT: () => this.CONSUME(T.Plus, { LABEL: 'op' }) },
          ]);
          this.SUBRULE(this.unaryExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.castExpr) },
    ]);
  });

  readonly castExpr = this.RULE('castExpr', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.CONSUME(T.DoubleColon);
      this.SUBRULE(this.typeName);
    });
  });

  readonly primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.Duration) },
      { ALT: () => this.CONSUME(T.TRUE) },
      { ALT: () => this.CONSUME(T.FALSE) },
      { ALT: () => this.CONSUME(T.NULL) },
      { ALT: () => this.SUBRULE(this.intervalLiteral) },
      { ALT: () => this.SUBRULE(this.typedLiteral) },
      { ALT: () => this.SUBRULE(this.caseExpr) },
      { ALT: () => this.SUBRULE(this.castCall) },
      { ALT: () => this.SUBRULE(this.structValue) },
      { ALT: () => this.SUBRULE(this.parenExpr) },
      { ALT: () => this.SUBRULE(this.columnOrCall) },
    ]);
  });

  /** `INTERVAL '10' SECOND`, `INTERVAL '10 seconds'`, and DuckDB's `INTERVAL 10 SECOND`. */
  readonly intervalLiteral = this.RULE('intervalLiteral', () => {
    this.CONSUME(T.INTERVAL);
    this.OR([
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.NumberLiteral) },
    ]);
    this.OPTION(() => this.SUBRULE(this.timeUnit));
  });

  /** `TIMESTAMP '2024-05-20 10:00:00'`, `DATE '2024-05-20'`; TIMESTAMP and DATE stay usable as names. */
  readonly typedLiteral = this.RULE('typedLiteral', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.TIMESTAMP, { LABEL: 'type' }) },
      { ALT: () => this.CONSUME(T.DATE, { LABEL: 'type' }) },
    ]);
    this.CONSUME(T.StringLiteral);
  });

  readonly timeUnit = this.RULE('timeUnit', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.MILLISECOND, { LABEL: 'unit' }) },
      { ALT: () => this.CONSUME(T.MILLISECONDS, { LABEL: 'unit' }) },
      { ALT: () => this.CONSUME(T.SECOND, { LABEL: 'unit' }) },
      { ALT: () => this.CONSUME(T.SECONDS, { LABEL: 'unit' }) },
      { ALT: () => this.CONSUME(T.MINUTE, { LABEL: 'unit' }) },
      { ALT: () => this.CONSUME(T.MINUTES, { LABEL: 'unit' }) },
      { ALT: () => this.CONSUME(T.HOUR, { LABEL: 'unit' }) },
      { ALT: () => this.CONSUME(T.HOURS, { LABEL: 'unit' }) },
      { ALT: () => this.CONSUME(T.DAY, { LABEL: 'unit' }) },
      { ALT: () => this.CONSUME(T.DAYS, { LABEL: 'unit' }) },
    ]);
  });

  readonly caseExpr = this.RULE('caseExpr', () => {
    this.CONSUME(T.CASE);
    this.OPTION(() => this.SUBRULE(this.expression, { LABEL: 'operand' }));
    this.AT_LEAST_ONE(() => {
      this.CONSUME(T.WHEN);
      this.SUBRULE2(this.expression, { LABEL: 'when' });
      this.CONSUME(T.THEN);
      this.SUBRULE3(this.expression, { LABEL: 'then' });
    });
    this.OPTION2(() => {
      this.CONSUME(T.ELSE);
      this.SUBRULE4(this.expression, { LABEL: 'else' });
    });
    this.CONSUME(T.END);
  });

  readonly castCall = this.RULE('castCall', () => {
    this.CONSUME(T.CAST);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.AS);
    this.SUBRULE(this.typeName);
    this.CONSUME(T.RParen);
  });

  readonly structValue = this.RULE('structValue', () => {
    this.CONSUME(T.STRUCT);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.structValueField);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.structValueField);
    });
    this.CONSUME(T.RParen);
  });

  readonly structValueField = this.RULE('structValueField', () => {
    this.SUBRULE(this.expression);
    this.CONSUME(T.AS);
    this.SUBRULE(this.identifier, { LABEL: 'name' });
  });

  readonly parenExpr = this.RULE('parenExpr', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  /** `a`, `t.a.b`, `f(x)`, `COUNT(*)`, `COUNT(DISTINCT x)`, `f(x) OVER (...)`. */
  readonly columnOrCall = this.RULE('columnOrCall', () => {
    this.SUBRULE(this.identifier, { LABEL: 'part' });
    this.OR([
      { ALT: () => this.SUBRULE(this.callSuffix) },
      {
        ALT: () => {
          this.MANY(() => {
            this.CONSUME(T.Dot);
            this.SUBRULE2(this.identifier, { LABEL: 'part' });
          });
        },
      },
    ]);
  });

  readonly callSuffix = this.RULE('callSuffix', () => {
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Star) },
        {
          ALT: () => {
            this.OPTION2(() => this.CONSUME(T.DISTINCT));
            this.SUBRULE(this.expression, { LABEL: 'arg' });
            this.MANY(() => {
              this.CONSUME(T.Comma);
              this.SUBRULE2(this.expression, { LABEL: 'arg' });
            });
          },
        },
      ]);
    });
    this.CONSUME(T.RParen);
    // `PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY x)`: WITHIN is non-reserved, so only before GROUP (.
    this.OPTION4({
      GATE: () => this.LA(1).tokenType === T.WITHIN && this.LA(2).tokenType === T.GROUP,
      DEF: () => {
        this.CONSUME(T.WITHIN);
        this.CONSUME(T.GROUP);
        this.CONSUME2(T.LParen);
        this.CONSUME(T.ORDER);
        this.CONSUME(T.BY);
        this.SUBRULE(this.orderItem, { LABEL: 'withinGroup' });
        this.CONSUME2(T.RParen);
      },
    });
    this.OPTION3(() => this.SUBRULE(this.overClause));
  });

  readonly overClause = this.RULE('overClause', () => {
    this.CONSUME(T.OVER);
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.CONSUME(T.PARTITION);
      this.CONSUME(T.BY);
      this.SUBRULE(this.expression, { LABEL: 'partitionBy' });
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.expression, { LABEL: 'partitionBy' });
      });
    });
    this.OPTION2(() => {
      this.CONSUME(T.ORDER);
      this.CONSUME2(T.BY);
      this.SUBRULE(this.orderItem);
      this.MANY2(() => {
        this.CONSUME2(T.Comma);
        this.SUBRULE2(this.orderItem);
      });
    });
    this.OPTION3(() => this.SUBRULE(this.frameClause));
    this.CONSUME(T.RParen);
  });

  /** `ROWS BETWEEN 4 PRECEDING AND CURRENT ROW`, `RANGE INTERVAL '30' SECOND PRECEDING` (the end is CURRENT ROW). */
  readonly frameClause = this.RULE('frameClause', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.ROWS, { LABEL: 'units' }) },
      { ALT: () => this.CONSUME(T.RANGE, { LABEL: 'units' }) },
    ]);
    this.OR2([
      {
        ALT: () => {
          this.CONSUME(T.BETWEEN);
          this.SUBRULE(this.frameBound, { LABEL: 'bound' });
          this.CONSUME(T.AND);
          this.SUBRULE2(this.frameBound, { LABEL: 'bound' });
        },
      },
      { ALT: () => this.SUBRULE3(this.frameBound, { LABEL: 'bound' }) },
    ]);
  });

  readonly frameBound = this.RULE('frameBound', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.UNBOUNDED) },
      {
        ALT: () => {
          this.CONSUME(T.CURRENT);
          this.CONSUME(T.ROW);
        },
      },
      { ALT: () => this.CONSUME(T.NumberLiteral, { LABEL: 'offset' }) },
      { ALT: () => this.CONSUME(T.Duration, { LABEL: 'offset' }) },
      { ALT: () => this.SUBRULE(this.intervalLiteral) },
    ]);
    this.OPTION(() => {
      this.OR2([
        { ALT: () => this.CONSUME(T.PRECEDING, { LABEL: 'direction' }) },
        { ALT: () => this.CONSUME(T.FOLLOWING, { LABEL: 'direction' }) },
      ]);
    });
  });

  readonly orderItem = this.RULE('orderItem', () => {
    this.SUBRULE(this.expression);
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.ASC, { LABEL: 'direction' }) },
        { ALT: () => this.CONSUME(T.DESC, { LABEL: 'direction' }) },
      ]);
    });
  });

  /** A name: a plain or quoted identifier, or any non-reserved keyword. */
  readonly identifier = this.RULE('identifier', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Identifier, { LABEL: 'name' }) },
      { ALT: () => this.CONSUME(T.QuotedIdentifier, { LABEL: 'name' }) },
      { ALT: () => this.CONSUME(T.NonReserved, { LABEL: 'name' }) },
    ]);
  });
}

/** The one parser instance: Chevrotain parsers are built once and reused by resetting input. */
export const sqlParser = new SluiceParser();

/** Rule names a parse may start from. */
export type StartRule = 'script' | 'expression';

export type { IToken };
