import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTROLLER_NODE_FLAGS } from '../../lib/service/node-flags';

const root = join(__dirname, '..', '..');

describe('the V8 flags the controller runs with', () => {
  it("are on the Dockerfile's node command, before the service's script", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...CONTROLLER_NODE_FLAGS, 'dist/lib/main.js']);
  });

  it("are on npm start's node command", () => {
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toContain(`exec node ${CONTROLLER_NODE_FLAGS.join(' ')} dist/lib/main.js`);
  });
});
