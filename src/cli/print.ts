/** What the CLI tells its user on the terminal (not logs: those go through the logger to stderr-able JSON). */
export function print(line = ""): void {
  process.stdout.write(line + "\n");
}
