// Runs before `npm test`: the browser tests (test/browser) drive Debian's Chromium through
// playwright-core (`npx playwright install` does not work here). Installs it with apt-get when
// /usr/bin/chromium is missing and we are root; otherwise says what to do and fails.
// Plain JavaScript with no dependencies. CHROMIUM_PATH points at another binary.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || chromium !== '/usr/bin/chromium') {
    console.error(
      `The browser tests need Chromium at ${chromium}, which is missing.\n` +
        'Install it (Debian/Ubuntu): sudo apt-get update && sudo apt-get install -y chromium\n' +
        'or set CHROMIUM_PATH to a Chromium/Chrome binary.',
    );
    process.exit(1);
  }
  console.log('Installing Chromium for the browser tests (apt-get install chromium)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execSync('apt-get update', { stdio: 'inherit', env });
  execSync('apt-get install -y --no-install-recommends chromium', { stdio: 'inherit', env });
  if (!existsSync(chromium)) {
    console.error(`apt-get finished but ${chromium} is still missing.`);
    process.exit(1);
  }
}
