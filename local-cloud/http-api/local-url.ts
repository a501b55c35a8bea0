/** Where the HTTP API is served locally, for rewriting its AWS URL in function environments. */
export interface LocalHttpApiUrl {
  apiId: string;
  stage: string;
  /** `http://127.0.0.1:PORT/api`: stands for the stage's invoke URL. */
  localUrl: string;
}

/**
 * The API's invoke URL in a value (`https://{apiId}.execute-api.{region}.amazonaws.com`, then
 * `/{stage}` unless the stage is `$default`) replaced by the local one; other values unchanged.
 */
export function localHttpApiUrl(value: string, region: string, api: LocalHttpApiUrl): string {
  const origin = `https://${api.apiId}.execute-api.${region}.amazonaws.com`;
  if (!value.startsWith(origin)) return value;
  let rest = value.slice(origin.length);
  if (api.stage !== '$default' && (rest === `/${api.stage}` || rest.startsWith(`/${api.stage}/`))) rest = rest.slice(api.stage.length + 1);
  return api.localUrl + rest;
}
