/** Types of parts-table.mjs (plain JavaScript: the manifest generator loads it without a TypeScript loader). */
export interface PartsGroup {
  tagName: string;
  parts: ReadonlyArray<{ name: string }>;
}
export declare const partsTable: {
  render(groups: readonly PartsGroup[]): string;
  replace(readme: string, groups: readonly PartsGroup[]): string;
  names(readme: string): string[];
};
