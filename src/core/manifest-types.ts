/** Types of `manifest.json` and `catalog.json`; see docs/model-format.md. */

export interface TensorSpec {
  name: string;
  dtype: 'int64' | 'float32' | 'int8' | 'bool';
  shape: (number | string)[];
}

export interface FileEntry {
  path: string;
  bytes: number;
  sha256: string;
}

export interface ContentSpec {
  buckets: number;
  maxFeatures: number;
  encoderInput: string;
  encoderOutput: string;
  testVectors: { title: string; genres: string[]; year: number | null; features: number[] }[];
}

export interface ModelManifest {
  format: 'localrec-model';
  formatVersion: 1;
  name: string;
  dataset: string;
  modelVersion: string;
  createdBy?: string;
  itemCount: number;
  padId: 0;
  maxHistory: number;
  dim: number;
  layers: number;
  heads: number;
  experts: number;
  expertRank: number;
  /**
   * `withScores` (bool scalar, optional): false skips the graph's catalogue scores (`scores` then
   * has shape [batch, 0]); the engine passes false when it scores the catalogue from `user` itself.
   */
  inputs: { history: TensorSpec; gateBias: TensorSpec; withScores?: TensorSpec };
  /** `scores` is absent when the graph leaves catalogue scoring to the engine (pq tables) */
  outputs: { scores?: TensorSpec; user: TensorSpec; gate: TensorSpec };
  /**
   * int8: `scaleOffset` required. pq (product quantisation, docs/model-format.md): codes at
   * `dataOffset`, `subspaces` and `codebookOffset` required, `scaleOffset` optional; exact
   * (int8) rows of a mixed-precision pq table: `exactRows`, `exactOffset`, `exactScaleOffset`.
   */
  itemTable: {
    file: string;
    rows: number;
    dim: number;
    dtype: 'int8' | 'pq';
    dataOffset: number;
    scaleOffset?: number;
    subspaces?: number;
    centroids?: number;
    codebookOffset?: number;
    exactRows?: number;
    exactOffset?: number;
    exactScaleOffset?: number;
  };
  content: ContentSpec | null;
  files: { model: FileEntry; items: FileEntry; catalog: FileEntry; encoder?: FileEntry };
  eval?: Record<string, Record<string, unknown>>;
}

export interface CatalogFile {
  ids: string[];
  titles: string[];
  genres: string[][];
  years: (number | null)[];
  popularity: number[];
  /** optional shop columns (docs/model-format.md), each itemCount entries, null where an item has none */
  images?: (string | null)[];
  prices?: (number | null)[];
  currencies?: (string | null)[];
  urls?: (string | null)[];
  brands?: (string | null)[];
  availability?: (string | null)[];
}
