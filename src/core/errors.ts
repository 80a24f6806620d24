/**
 * Named error classes of localrec. Every public call that fails throws one of these
 * (or a subclass), never a bare Error, so callers can `instanceof`-check or switch on `code`.
 */
export type LocalrecErrorCode =
  | 'model-integrity'
  | 'model-format'
  | 'model-load'
  | 'storage-unavailable'
  | 'quota'
  | 'unknown-item'
  | 'bad-event'
  | 'invalid-argument'
  | 'backend'
  | 'closed'
  | 'adapter';

/**
 * The class name of each code, written out: a minifier renames classes, so `new.target.name`
 * would be a letter in a production build, and the Worker boundary and callers read `name`.
 */
const NAMES: Record<LocalrecErrorCode, string> = {
  'model-integrity': 'ModelIntegrityError',
  'model-format': 'ModelFormatError',
  'model-load': 'ModelLoadError',
  'storage-unavailable': 'StorageUnavailableError',
  quota: 'QuotaError',
  'unknown-item': 'UnknownItemError',
  'bad-event': 'BadEventError',
  'invalid-argument': 'InvalidArgumentError',
  backend: 'BackendError',
  closed: 'ClosedError',
  adapter: 'AdapterError',
};

export class LocalrecError extends Error {
  readonly code: LocalrecErrorCode;
  constructor(code: LocalrecErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = NAMES[code];
  }
}

/** A model file's size or sha256 does not match the manifest: the file is refused. */
export class ModelIntegrityError extends LocalrecError {
  readonly file: string;
  constructor(file: string, message: string) {
    super('model-integrity', message);
    this.file = file;
  }
}

/** The manifest or a model file is not in the format this engine reads. */
export class ModelFormatError extends LocalrecError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('model-format', message, options);
  }
}

/** A model file could not be fetched (network, HTTP status, offline without cache). */
export class ModelLoadError extends LocalrecError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('model-load', message, options);
  }
}

/** IndexedDB is unavailable, blocked or corrupt. The engine falls back to memory and reports it. */
export class StorageUnavailableError extends LocalrecError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('storage-unavailable', message, options);
  }
}

/** The storage quota is exhausted even after pruning old events. */
export class QuotaError extends LocalrecError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('quota', message, options);
  }
}

/** An item id that is neither in the catalog nor added with `addItems`. */
export class UnknownItemError extends LocalrecError {
  readonly itemId: string;
  constructor(itemId: string) {
    super('unknown-item', `unknown item id ${JSON.stringify(itemId)}`);
    this.itemId = itemId;
  }
}

/** A malformed event passed to `track`. */
export class BadEventError extends LocalrecError {
  constructor(message: string) {
    super('bad-event', message);
  }
}

/** A malformed argument to any other public call (k, options, ids of the wrong type...). */
export class InvalidArgumentError extends LocalrecError {
  constructor(message: string) {
    super('invalid-argument', message);
  }
}

/** The inference backend failed and no fallback could answer. */
export class BackendError extends LocalrecError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('backend', message, options);
  }
}

/** The recommender was closed. */
export class ClosedError extends LocalrecError {
  constructor() {
    super('closed', 'the recommender is closed');
  }
}

/**
 * The visitor's adapter could not learn, be saved or be read back. Never thrown at a caller:
 * recorded on `adapter().lastError` while the recommender keeps answering.
 */
export class AdapterError extends LocalrecError {
  /**
   * refused: an update gave non-finite values and was dropped; save: the adapter could not be
   * written (it stays in use and is saved with the next update); stored: the stored adapter was
   * unreadable or of another shape and a fresh one replaced it; learn: an update failed.
   */
  readonly reason: 'refused' | 'save' | 'stored' | 'learn';
  constructor(reason: AdapterError['reason'], message: string, options?: { cause?: unknown }) {
    super('adapter', message, options);
    this.reason = reason;
  }
}
