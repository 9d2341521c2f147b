import type { INestApplication } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { IS_PUBLIC } from '../auth/public.decorator.js';

export interface OpenApiOptions {
  version: string;
  /** PUBLIC_BASE_URL when set; otherwise the document names the server it is served from ("/"). */
  serverUrl?: string;
}

const DESCRIPTION = [
  'Text- and image-to-video on self-hosted GPU model services.',
  '',
  'APIs: the native API under /api/video (errors are RFC 9457 problem details); the OpenAI Videos API under /v1/videos',
  "(OpenAI's error shape); the Open-Sora job API under /compat/opensora and the Wan2.1 API under /compat/wan (problem details",
  'naming their fields). Every operation needs a bearer JWT unless marked otherwise; a task made through one API reads back through the others.',
].join('\n');

/**
 * The OpenAPI document served at /docs and /docs-json, from the controllers' decorators and DTOs. Security is
 * declared the way the gateway enforces it: a bearer JWT on every operation (the global JwtAuthGuard) except
 * the routes marked @Public(), which get `security: []`.
 */
export function buildOpenApiDocument(app: INestApplication, options: OpenApiOptions): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Video generation gateway')
      .setDescription(DESCRIPTION)
      .setVersion(options.version)
      .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
      .addServer(options.serverUrl ?? '/')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT (HS256 with JWT_SECRET, or RS256/ES256 from JWT_JWKS_URI)' }, 'bearer')
      .addSecurityRequirements('bearer')
      .build(),
  );
  const publicOperations = publicOperationIds(app);
  for (const pathItem of Object.values(document.paths)) {
    for (const operation of Object.values(pathItem)) {
      if (typeof operation !== 'object' || operation === null || !('operationId' in operation)) continue;
      // A handler on several paths gets ids like MetricsController_metrics[1].
      if (publicOperations.has(String(operation.operationId).replace(/\[\d+\]$/, ''))) operation.security = [];
    }
  }
  return document;
}

/** `<Controller>_<method>` (the document's operation ids) of every handler that @Public() opens. */
function publicOperationIds(app: INestApplication): Set<string> {
  const reflector = app.get(Reflector);
  const ids = new Set<string>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller) continue;
      for (const method of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[method];
        if (method === 'constructor' || typeof handler !== 'function') continue;
        if (reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, controller])) ids.add(`${controller.name}_${method}`);
      }
    }
  }
  return ids;
}
