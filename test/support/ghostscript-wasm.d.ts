// The package ships no types; this is the part of its Emscripten module the tests use.
declare module '@jspawn/ghostscript-wasm/gs.mjs' {
  const load: (options: object) => Promise<unknown>;
  export default load;
}
