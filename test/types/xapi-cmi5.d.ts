// @xapi/cmi5 ships an ES module without "exports"; tests import its file directly (tsx loads it) with the
// package's own types.
declare module '@xapi/cmi5/dist/Cmi5.esm.js' {
  import type * as cmi5 from '@xapi/cmi5';
  // The typings are read as CommonJS, so their default export sits one level down.
  const Cmi5: typeof cmi5.default.default;
  export default Cmi5;
}

declare module 'xhr2' {
  const XMLHttpRequest: unknown;
  export default XMLHttpRequest;
}
