// The closed set of connectors, by the name used in `WITH (connector = '...')`.

import type { SinkConnector, SourceConnector } from './connector.js';
import { blackholeSink } from './blackhole/sink.js';
import { datagenSource } from './datagen/source.js';
import { fileSink } from './file/sink.js';
import { fileSource } from './file/source.js';
import { httpSource } from './http/source.js';
import { kafkaSink } from './kafka/sink.js';
import { kafkaSource } from './kafka/source.js';
import { stdoutSink } from './stdout/sink.js';

const SOURCES: ReadonlyMap<string, SourceConnector> = new Map([
  [fileSource.name, fileSource],
  [datagenSource.name, datagenSource],
  [kafkaSource.name, kafkaSource],
  [httpSource.name, httpSource],
]);

const SINKS: ReadonlyMap<string, SinkConnector> = new Map([
  [fileSink.name, fileSink],
  [stdoutSink.name, stdoutSink],
  [kafkaSink.name, kafkaSink],
  [blackholeSink.name, blackholeSink],
]);

export function sourceConnector(name: string): SourceConnector | undefined {
  return SOURCES.get(name.toLowerCase());
}

export function sinkConnector(name: string): SinkConnector | undefined {
  return SINKS.get(name.toLowerCase());
}

export function sourceConnectorNames(): string[] {
  return [...SOURCES.keys()];
}

export function sinkConnectorNames(): string[] {
  return [...SINKS.keys()];
}
