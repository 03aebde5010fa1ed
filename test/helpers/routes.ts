// The app's routes as Fastify itself knows them, for tests that sweep every route.
import type { FastifyInstance } from 'fastify';

export interface Route {
  method: string;
  path: string;
}

/** The app's routes, read from Fastify's own route tree (one line per node, children indented under parents). */
export function routesOf(server: FastifyInstance): Route[] {
  const routes: Route[] = [];
  const stack: { depth: number; path: string }[] = [];
  for (const line of server.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│\s]*)(?:└──|├──) (.+?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length;
    while (stack.length && stack.at(-1)!.depth >= depth) stack.pop();
    const parent = stack.at(-1)?.path ?? '';
    const segment = match[2]!;
    const path = parent === '' ? segment : `${parent}${parent.endsWith('/') || segment.startsWith('/') ? '' : '/'}${segment}`;
    stack.push({ depth, path });
    for (const method of match[3]!.split(', ')) if (!['HEAD', 'OPTIONS'].includes(method)) routes.push({ method, path });
  }
  return routes;
}
