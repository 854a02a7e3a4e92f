/**
 * The API's access check. With SIDECHAIN_API_TOKEN set (required when the API binds anything but
 * loopback, config/load.ts), every route but /health/live needs it, given either as
 *   Authorization: Bearer <token>          (Prometheus, curl, scripts)
 *   Authorization: Basic base64(any:<token>) (a browser: it prompts once and resends it, so the
 *                                            console page and its requests need no script-side secret)
 * A 401 names both schemes, so that a browser opening the console asks for the token as the password.
 * Compared in constant time over digests, so neither the length nor a prefix leaks by timing.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

const REALM = "sidechain relayer";

/** Routes anyone may reach: a liveness probe carries no credentials and tells nothing. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/health/live"]);

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

export class ApiAuth {
  private readonly expected: Buffer | undefined;

  constructor(token: string | undefined) {
    this.expected = token === undefined ? undefined : digest(token);
  }

  get required(): boolean {
    return this.expected !== undefined;
  }

  /** Whether the request may proceed; answers 401 itself when not. */
  check(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    if (this.expected === undefined || PUBLIC_PATHS.has(pathname)) return true;
    const presented = presentedToken(req.headers.authorization);
    if (presented !== undefined && timingSafeEqual(digest(presented), this.expected)) return true;
    res.writeHead(401, {
      "content-type": "application/json",
      "www-authenticate": [`Bearer realm="${REALM}"`, `Basic realm="${REALM}", charset="UTF-8"`],
      "cache-control": "no-store",
    });
    res.end(JSON.stringify({ error: presented === undefined ? "this API needs its token (SIDECHAIN_API_TOKEN): Authorization: Bearer <token>" : "wrong API token" }));
    return false;
  }
}

/** The token of a Bearer header, or the password of a Basic one (the user name is ignored). */
export function presentedToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(Bearer|Basic)\s+(\S+)\s*$/i.exec(header);
  if (match === null) return undefined;
  if (match[1].toLowerCase() === "bearer") return match[2];
  const decoded = Buffer.from(match[2], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}
