/**
 * Where exported files point editors for the schema (`# yaml-language-server: $schema=…`), and the
 * schema's `$id`: the file as published in the npm package, served by jsDelivr. The same URL for every
 * teammate and CI, wherever the tool is installed; a test checks it against the package name, its files
 * and the schema's `$id`.
 */
export const SCHEMA_URL = 'https://cdn.jsdelivr.net/npm/nango-gitops/schemas/nango-gitops.schema.json';
