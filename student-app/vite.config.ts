import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [vue()],
  // Relative asset URLs: the build can be served under any path.
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  test: { include: ["tests/unit/**/*.test.ts"], environment: "node" },
});
