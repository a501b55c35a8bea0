import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { configFromContext } from '../../lib/config.js';
import { ImStack } from '../../lib/im-stack.js';

/**
 * Synthesizes the stack in-process for template assertions. Bundling is skipped (the
 * `aws:cdk:bundling-stacks` context): these tests look at the template, not at the code.
 */
export function synthTemplate(context: Record<string, string> = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new ImStack(app, 'ServerlessIm', { config: configFromContext(app) });
  return Template.fromStack(stack);
}

/** A template resource, as the assertions read it. */
export type TemplateResource = { Properties: Record<string, any>; Type: string };

/** The template's resources of one type, as [logical id, resource] pairs. */
export const resourcesOf = (template: Template, type: string): [string, TemplateResource][] =>
  Object.entries(template.findResources(type)) as [string, TemplateResource][];

/** The logical id of the WebSocket API (the stack also has the server API, an HTTP API). */
export const webSocketApiId = (template: Template): string =>
  resourcesOf(template, 'AWS::ApiGatewayV2::Api').find(([, api]) => api.Properties.ProtocolType === 'WEBSOCKET')![0];

/** The routes of the WebSocket API only (the server API's HTTP routes left out). */
export const webSocketRoutes = (template: Template): [string, TemplateResource][] => {
  const apiId = webSocketApiId(template);
  return resourcesOf(template, 'AWS::ApiGatewayV2::Route').filter(([, route]) => route.Properties.ApiId?.Ref === apiId);
};
