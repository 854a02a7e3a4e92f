/**
 * A TypeScript model of OpenZeppelin 5.7 `TrieProof.tryTraverse` (utils/cryptography/TrieProof.sol),
 * kept to its structure, so relayer tests can check that proofs have the shape the Solidity side
 * reads without compiling contracts: root node first; a node of >= 32 bytes must hash to the
 * reference in its parent; a node embedded in its parent (< 32 bytes) may be listed as its own
 * element (it must then equal the embedded bytes) or left out; the leaf must be the last element.
 */
import { RLP, type NestedUint8Array } from "@ethereumjs/rlp";
import { getBytes, hexlify, keccak256 } from "ethers";

type Item = Uint8Array | NestedUint8Array;

/** Returns the proven value (0x hex) or throws with the name of TrieProof's ProofError. */
export function traverseLikeTrieProof(root: string, key: string, proof: readonly string[]): string {
  const keyNibbles = toNibbles(getBytes(key));
  if (keyNibbles.length === 0) throw new Error("EMPTY_KEY");
  let expectedId: Uint8Array = new Uint8Array();
  let keyIndex = 0;

  for (let i = 0; i < proof.length; i++) {
    const encoded = getBytes(proof[i]);
    if (keyIndex === 0) {
      if (keccak256(encoded) !== root.toLowerCase()) throw new Error("INVALID_ROOT");
    } else if (encoded.length >= 32) {
      if (expectedId.length !== 32 || keccak256(encoded) !== hexlify(expectedId)) throw new Error("INVALID_LARGE_NODE");
    } else if (hexlify(encoded) !== hexlify(expectedId)) {
      throw new Error("INVALID_SHORT_NODE");
    }

    let node = RLP.decode(encoded) as Item;
    for (;;) {
      if (!Array.isArray(node)) throw new Error("UNPARSEABLE_NODE");
      let child: Item;
      if (node.length === 17) {
        if (keyIndex === keyNibbles.length) return lastItem(node[16], i, proof.length);
        child = node[keyNibbles[keyIndex]];
        keyIndex += 1;
      } else if (node.length === 2) {
        const path = toNibbles(asBytes(node[0]));
        if (path.length === 0) throw new Error("EMPTY_PATH");
        const prefix = path[0];
        const pathRemainder = path.slice(2 - (prefix % 2));
        const keyRemainder = keyNibbles.slice(keyIndex);
        if (pathRemainder.length > keyRemainder.length || pathRemainder.some((nibble, j) => nibble !== keyRemainder[j])) {
          throw new Error("INVALID_PATH_REMAINDER");
        }
        if (prefix >= 4) throw new Error("UNKNOWN_NODE_PREFIX");
        if (prefix >= 2) {
          if (pathRemainder.length !== keyRemainder.length) throw new Error("MISMATCH_LEAF_PATH_KEY_REMAINDER");
          return lastItem(node[1], i, proof.length);
        }
        if (pathRemainder.length === 0) throw new Error("EMPTY_EXTENSION_PATH_REMAINDER");
        child = node[1];
        keyIndex += pathRemainder.length;
      } else {
        throw new Error("UNPARSEABLE_NODE");
      }
      // A hash reference: the next element must be the node it names.
      if (child instanceof Uint8Array && child.length === 32) {
        expectedId = child;
        break;
      }
      // An embedded node: either listed next in the proof, or walked in place.
      const childEncoded = RLP.encode(child);
      if (i + 1 < proof.length && hexlify(getBytes(proof[i + 1])) === hexlify(childEncoded)) {
        expectedId = childEncoded;
        break;
      }
      node = child;
    }
  }
  throw new Error("INVALID_PROOF");
}

function lastItem(item: Item, i: number, proofLength: number): string {
  if (i !== proofLength - 1) throw new Error("INVALID_EXTRA_PROOF_ELEMENT");
  const value = asBytes(item);
  if (value.length === 0) throw new Error("EMPTY_VALUE");
  return hexlify(value);
}

function asBytes(item: Item): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new Error("UNPARSEABLE_NODE");
  return item;
}

function toNibbles(bytes: Uint8Array): number[] {
  const nibbles: number[] = [];
  for (const byte of bytes) nibbles.push(byte >> 4, byte & 0x0f);
  return nibbles;
}
