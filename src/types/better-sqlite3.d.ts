// The few better-sqlite3 calls the store uses (the package ships no types).
declare module "better-sqlite3" {
  interface Statement {
    run(...params: unknown[]): { changes: number };
    all(...params: unknown[]): unknown[];
    get(...params: unknown[]): unknown;
  }
  interface Database {
    pragma(source: string, options?: { simple?: boolean }): unknown;
    exec(source: string): Database;
    prepare(source: string): Statement;
    transaction<F extends (...args: never[]) => unknown>(fn: F): F;
    close(): Database;
  }
  const Database: new (filename: string, options?: { readonly?: boolean; timeout?: number }) => Database;
  export default Database;
}
