import { Injectable, OnModuleInit, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { ROUTE_ACCESS, RouteAccess } from './roles.decorator';

export interface DeclaredRoute {
  method: string;
  path: string;
  handler: string;
  access: RouteAccess | undefined;
}

/**
 * Lists every controller route with its access declaration, and stops the app at start-up when one
 * has none: forgetting `@Roles` must break the boot, not open an endpoint.
 */
@Injectable()
export class RouteAccessCheck implements OnModuleInit {
  constructor(
    private readonly modules: ModulesContainer,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const undeclared = this.routes().filter((r) => !r.access);
    if (undeclared.length) {
      throw new Error(
        `Every endpoint must declare @Roles(...) or @Public(); these do not:\n${undeclared
          .map((r) => `  ${r.method} ${r.path} (${r.handler})`)
          .join('\n')}`,
      );
    }
  }

  routes(): DeclaredRoute[] {
    return declaredRoutes(this.modules, this.scanner, this.reflector);
  }
}

/**
 * Every controller route of the app with its access declaration. Reads metadata from the classes
 * only (no instances), so it also works on an app created in preview mode (npm run docs:roles).
 */
export function declaredRoutes(modules: ModulesContainer, scanner = new MetadataScanner(), reflector = new Reflector()): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  const seen = new Set<unknown>();
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: unknown[]) => unknown) | undefined;
      if (!controller || seen.has(controller)) continue;
      seen.add(controller);
      const prototype = controller.prototype;
      const base = pathsOf(Reflect.getMetadata(PATH_METADATA, controller));
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const sub = Reflect.getMetadata(PATH_METADATA, handler);
        if (method === undefined || sub === undefined) continue;
        const access = reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [handler, controller]);
        for (const b of base) {
          for (const s of pathsOf(sub)) {
            routes.push({ method: RequestMethod[method], path: joinPath(b, s), handler: `${controller.name}.${name}`, access });
          }
        }
      }
    }
  }
  return routes;
}

function pathsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return [value === undefined ? '' : String(value)];
}

function joinPath(...parts: string[]): string {
  const joined = parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');
  return `/${joined}`;
}
