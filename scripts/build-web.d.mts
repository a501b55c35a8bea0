/** The default output folder: web/dist. */
export declare const WEB_DIST: string;
/** Builds the web chat page into `outDir` (default web/dist); resolves with that folder. */
export declare function buildWeb(options?: { outDir?: string; minify?: boolean }): Promise<string>;
