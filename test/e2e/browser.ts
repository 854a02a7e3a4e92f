/**
 * A real browser for the console tests: Debian's chromium driven by playwright-core (no browser
 * download). Each context gets a fresh profile folder, and the flags keep Chromium from reaching
 * out on its own (the machine's closed network refuses those connections, which slows or breaks
 * the start otherwise). A missing chromium fails the test with the command that installs it.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export class MissingChromiumError extends Error {
  readonly code = "MISSING_CHROMIUM";
  constructor() {
    super(`${CHROMIUM} is missing: the console's browser test needs Debian's chromium. Install it with: apt-get install chromium (after apt-get update)`);
  }
}

/** A headless Chromium context on a fresh profile under `dir`. @throws MissingChromiumError */
export async function openBrowser(dir: string, options: { httpCredentials?: { username: string; password: string } } = {}): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new MissingChromiumError();
  const profile = path.join(dir, `profile-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`);
  mkdirSync(profile, { recursive: true });
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1400, height: 1000 },
    httpCredentials: options.httpCredentials,
  });
}
