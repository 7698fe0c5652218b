// Lint for the whole code base, run by `npm test` (scripts/test.sh): typescript-eslint's
// recommended rules everywhere, and the Lit and web-components rules for the elements.
import js from '@eslint/js';
import lit from 'eslint-plugin-lit';
import wc from 'eslint-plugin-wc';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'src/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    ...wc.configs['flat/recommended'],
  },
  {
    files: ['src/**/*.ts'],
    ...lit.configs['flat/recommended'],
  },
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        window: 'readonly',
        document: 'readonly',
      },
    },
    rules: {
      // `let x!: T` assigned once, after closures that read it were made (the broker's lazy binding).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Unused names fail the typecheck already (noUnusedLocals / noUnusedParameters); `_x` marks one kept on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Chai's assertions are property reads: expect(x).to.be.true.
      '@typescript-eslint/no-unused-expressions': 'off',
      // Tests read arbitrary JSON answers of the backend on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
