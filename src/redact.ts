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

/** Decodes every run of percent-escapes that decodes, and leaves the rest. */
function decodeLoosely(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** Tells whether text contains the secret, raw or in any percent-encoding. */
export function containsSecret(text: string, secret: string | undefined): boolean {
  return Boolean(secret) && (text.includes(secret!) || decodeLoosely(text).includes(secret!));
}

/**
 * Replaces every occurrence of the secret in text. Text that contains it only
 * percent-encoded is returned decoded, with the secret masked.
 */
export function maskSecret(text: string, secret: string | undefined): string {
  if (!secret || !containsSecret(text, secret)) return text;
  const plain = text.includes(secret) ? text : decodeLoosely(text);
  return plain.split(secret).join('[redacted]');
}
