/**
 * Off-chain replica of the contract's signature check (OpenZeppelin ECDSA.tryRecover over the
 * checkpoint's EIP-712 digest). It must flag exactly what the contract flags: a challenge of a
 * signature the contract finds valid reverts, and a signature it would reject but we accept
 * is fraud we miss.
 */
import { dataSlice, getBytes, recoverAddress, type BytesLike } from "ethers";

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** OpenZeppelin rejects the upper half of s: those are the malleable twins of valid signatures. */
const HALF_N = SECP256K1_N >> 1n;
const SIGNATURE_LENGTH = 65;

/**
 * The address a 65-byte r‖s‖v signature recovers to under `digest`, or undefined where
 * ECDSA.tryRecover returns an error or ecrecover returns zero. ethers alone is not enough:
 * it accepts v = 0/1 (the precompile does not) and refuses high s by throwing.
 */
export function recoverAsContract(digest: string, signature: BytesLike): string | undefined {
  const bytes = getBytes(signature);
  if (bytes.length !== SIGNATURE_LENGTH) return undefined;
  const r = BigInt(dataSlice(bytes, 0, 32));
  const s = BigInt(dataSlice(bytes, 32, 64));
  const v = bytes[64];
  if (s > HALF_N) return undefined;
  // The ecrecover precompile returns zero for these; OpenZeppelin reports InvalidSignature.
  if (v !== 27 && v !== 28) return undefined;
  if (r === 0n || r >= SECP256K1_N || s === 0n) return undefined;
  try {
    return recoverAddress(digest, { r: dataSlice(bytes, 0, 32), s: dataSlice(bytes, 32, 64), v });
  } catch {
    // r is not the x coordinate of a curve point: the precompile returns zero too.
    return undefined;
  }
}

/** The packed entry `address << 96 | power` → address, as the contract unpacks it. */
export function validatorAddress(packed: string): string {
  return dataSlice(packed, 0, 20);
}

/**
 * Positions (in `signers`) of the signatures that do not recover to the validator their signer
 * index names. An index outside the set cannot occur: submission rejects it.
 */
export function badSignaturePositions(
  digest: string,
  validators: readonly string[],
  signers: string,
  signatures: string,
): number[] {
  const indices = getBytes(signers);
  const all = getBytes(signatures);
  const bad: number[] = [];
  indices.forEach((index, position) => {
    const entry = validators[index];
    const signature = all.slice(position * SIGNATURE_LENGTH, (position + 1) * SIGNATURE_LENGTH);
    const recovered = entry === undefined ? undefined : recoverAsContract(digest, signature);
    if (recovered === undefined || recovered.toLowerCase() !== validatorAddress(entry).toLowerCase()) bad.push(position);
  });
  return bad;
}
