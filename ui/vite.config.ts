import { defineConfig } from "vite";

// Preact through esbuild's automatic JSX runtime; no plugin needed.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2021", sourcemap: false },
  clearScreen: false,
});
