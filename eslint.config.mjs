import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // MariaDB's pool runs with multipleStatements (lib/store/README.md): input spliced into SQL text
    // could add statements of its own. Raw SQL is constant text; values go in as ? bindings.
    files: ['lib/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name=/Raw$|^raw$/] > TemplateLiteral.arguments[expressions.length>0]",
          message: 'SQL text must be constant: bind values with ? (MariaDB runs with multipleStatements, lib/store/README.md).',
        },
        {
          selector: "CallExpression[callee.property.name=/Raw$|^raw$/] > BinaryExpression.arguments[operator='+']",
          message: 'SQL text must be constant: bind values with ? (MariaDB runs with multipleStatements, lib/store/README.md).',
        },
      ],
    },
  },
  {
    // Plain CommonJS that runs before anything is compiled.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly', console: 'readonly', setImmediate: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['scripts/**', 'bench/**', 'lib/cli/**', 'lib/simulator/main.ts'],
    rules: { 'no-console': 'off' },
  },
);
