import type { ProvisionerKind } from "./batch";
import type { DbKind } from "./setup";

/** The bench's command-line options (scripts/bench/index.ts parses them); every section reads them. */
export interface BenchOptions {
  quick: boolean;
  n: number;
  dbs: DbKind[];
  provisioners: ProvisionerKind[];
  batchSize: number;
  workers: number;
  rate: number;
  seconds: number;
  latencyDbs: DbKind[];
  latencyMode: "insert" | "use-case";
  httpSeconds: number;
  connections: number;
  build: boolean;
  sections: Set<string>;
}
