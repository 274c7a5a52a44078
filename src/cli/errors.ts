// Errors the CLI reports as one line and exit code 2 (bad usage, unreadable files), as opposed
// to SQL diagnostics (rendered with a caret) and comparison failures (exit 1).

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
