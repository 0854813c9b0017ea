export interface Statement {
  bind(...values: unknown[]): Statement;
  run(): Promise<unknown>;
}

export interface Db {
  prepare(sql: string): Statement;
}
