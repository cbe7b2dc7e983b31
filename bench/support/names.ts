/** A unique, lower-case suffix for the names of one run (databases, slots, topics, groups). */
export function runSuffix(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}
