// @xapi/cmi5 ships an ES module without "exports"; tests import its file directly (tsx loads it) with the
// package's own types.
declare module '@xapi/cmi5/dist/Cmi5.esm.js' {
  import Cmi5 from '@xapi/cmi5';
  export default Cmi5;
}

declare module 'xhr2' {
  const XMLHttpRequest: unknown;
  export default XMLHttpRequest;
}
