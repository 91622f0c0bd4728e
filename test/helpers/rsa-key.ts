import { generateKeyPairSync } from 'node:crypto';

/**
 * A real RSA PKCS#1 private key, made afresh in each test process: validate parses keys (a body of random
 * text between the BEGIN and END lines is an error), and no key material is committed.
 */
export function rsaPrivateKey(bits = 1024): string {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  // Nango refuses anything after the END line; the PEM writer ends with a newline.
  return privateKey.trimEnd();
}

/** The base64 lines between BEGIN and END: none may appear in any output. */
export function keyBodyLines(pem: string): string[] {
  return pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
}
