// Keeps secrets out of logs: the API token wherever a client put it, and the
// values of query parameters whose names suggest a secret.

/** Query parameters whose values are never logged, in case a client sends a secret. */
const SECRET_PARAMETER = /token|key|secret|password|auth/i;

/** Returns the URL with the values of secret-looking query parameters masked. */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const query = url.slice(start + 1).split('&').map((pair) => {
    const name = pair.split('=')[0] ?? '';
    return SECRET_PARAMETER.test(decodeURIComponentSafe(name)) ? `${name}=[redacted]` : pair;
  });
  return `${url.slice(0, start)}?${query.join('&')}`;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Replaces every occurrence of the secret, raw or percent-encoded, in text. */
export function maskSecret(text: string, secret: string | undefined): string {
  if (!secret) return text;
  let masked = text;
  for (const form of new Set([secret, encodeURIComponent(secret)])) {
    masked = masked.split(form).join('[redacted]');
  }
  return masked;
}
