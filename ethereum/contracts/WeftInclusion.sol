// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title WeftInclusion
/// @notice Checks on Ethereum that a row of a Weft block holds a rollup's data: the block's
///         header is final (a certificate of more than two thirds of the validator set this
///         contract was deployed with, BLS12-381 through the EIP-2537 precompiles), the blob's
///         index entry is in the header's index (SHA-256 Merkle path), the row is one of the
///         blob's rows, and the row's polynomial takes y at z (the EIP-4844 point-evaluation
///         precompile, 0x0a, on the row's KZG commitment from the header). Weft's
///         docs/PROTOCOL.md §5, §7, §12 and §14 define every byte read here.
/// @dev    Every refusal reverts with a named error. Built by scripts/build-contracts (solc
///         0.8.37 from npm); the bytecode and ABI in ethereum/build/ are checked in.
contract WeftInclusion {
    /// The certificate names another chain than this contract's.
    error WrongChain();
    /// The header is not a canonical `WEFT_HEADER_V1` encoding.
    error MalformedHeader();
    /// Signer `index` does not follow the previous one (strictly increasing order).
    error UnorderedSigners(uint256 index);
    /// Signer `index` is not one of the validators.
    error UnknownSigner(uint256 index);
    /// `signers` signed; `needed` (more than two thirds) must.
    error TooFewSigners(uint256 signers, uint256 needed);
    /// The aggregate signature does not verify for this header.
    error BadCertificateSignature();
    /// The blob index is not below the header's blob count.
    error NoSuchBlob();
    /// The index entry and its Merkle path do not give the header's index root.
    error WrongIndexPath();
    /// The row is not one of the blob's rows, or not in the square.
    error RowNotInBlob();
    /// The KZG opening does not verify (point-evaluation precompile).
    error BadOpening();
    /// A precompile call failed (malformed input).
    error PrecompileFailed(address precompile);

    /// The finality certificate's parts (docs/PROTOCOL.md §12). `signature` is the aggregate
    /// G2 signature in EIP-2537's 256-byte encoding.
    struct Certificate {
        bytes chainId;
        uint64 epoch;
        uint64 proposalView;
        uint64 parentView;
        uint16[] signers;
        bytes signature;
    }

    /// A KZG opening of one row at z (EIP-4844): y = p(z) and the 48-byte proof.
    struct Opening {
        bytes32 z;
        bytes32 y;
        bytes proof;
    }

    /// DST of a vote's signature (IETF BLS, proof-of-possession ciphersuite, G2).
    bytes private constant DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    /// The base field modulus p of BLS12-381 (48 bytes).
    bytes private constant P =
        hex"1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab";
    /// −G1 (the negated generator) in EIP-2537's 128-byte encoding.
    bytes private constant NEG_G1 =
        hex"0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb00000000000000000000000000000000114d1d6855d545a8aa7d76c8cf2e21f267816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca";

    /// keccak256 of the point-evaluation precompile's answer: u256(4096) ‖ u256(BLS_MODULUS).
    bytes32 private constant POINT_EVALUATION_OK = keccak256(
        abi.encodePacked(uint256(4096), uint256(0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001))
    );

    address private constant SHA256 = address(0x02);
    address private constant MODEXP = address(0x05);
    address private constant POINT_EVALUATION = address(0x0a);
    address private constant BLS12_G1ADD = address(0x0b);
    address private constant BLS12_G2ADD = address(0x0d);
    address private constant BLS12_PAIRING_CHECK = address(0x0f);
    address private constant BLS12_MAP_FP2_TO_G2 = address(0x11);

    /// Keys per data contract: 191 × 128 bytes and a leading 0x00 fit EIP-170's 24,576-byte
    /// code limit.
    uint256 private constant KEYS_PER_CHUNK = 191;
    /// The validator set's keys, 128 bytes each (EIP-2537 G1) in canonical order, as the code of
    /// up to six data contracts of 191 keys (read with EXTCODECOPY: cheaper than storage).
    address private immutable keys0;
    address private immutable keys1;
    address private immutable keys2;
    address private immutable keys3;
    address private immutable keys4;
    address private immutable keys5;
    /// Validators in the set.
    uint256 public immutable validators;
    /// Signers a certificate needs: n − ⌊(n − 1)/3⌋.
    uint256 public immutable quorum;
    /// keccak256 of the chain id.
    bytes32 public immutable chainIdHash;
    /// `varint(len(ns)) ‖ ns` with `ns = "weft-consensus/" ‖ chain id ‖ "_FINALIZE"`: the start
    /// of every finalize vote's signed message.
    bytes private namespacePrefix;

    /// @param chainId The chain id (1 to 64 bytes).
    /// @param validatorKeys n × 128 bytes: each validator's consensus key (G1, EIP-2537
    ///        encoding), in the canonical order (by p2p key). Proofs of possession are the
    ///        deployer's to check (weft's genesis check does).
    constructor(bytes memory chainId, bytes memory validatorKeys) {
        require(chainId.length > 0 && chainId.length <= 64, "chain id: 1 to 64 bytes");
        uint256 n = validatorKeys.length / 128;
        require(n > 0 && n <= 1024 && validatorKeys.length == n * 128, "keys: 1 to 1024 x 128 bytes");
        validators = n;
        quorum = n - (n - 1) / 3;
        chainIdHash = keccak256(chainId);
        bytes memory ns = abi.encodePacked("weft-consensus/", chainId, "_FINALIZE");
        namespacePrefix = abi.encodePacked(varint(ns.length), ns);
        address[6] memory chunks;
        for (uint256 c = 0; c * KEYS_PER_CHUNK < n; c++) {
            uint256 from = c * KEYS_PER_CHUNK * 128;
            uint256 to = from + KEYS_PER_CHUNK * 128;
            if (to > validatorKeys.length) to = validatorKeys.length;
            bytes memory chunk = new bytes(to - from);
            assembly {
                mcopy(add(chunk, 0x20), add(add(validatorKeys, 0x20), from), sub(to, from))
            }
            chunks[c] = store(chunk);
        }
        (keys0, keys1, keys2, keys3, keys4, keys5) = (chunks[0], chunks[1], chunks[2], chunks[3], chunks[4], chunks[5]);
    }

    /// Deploys a data contract whose code is `0x00 ‖ data` (the 0x00 makes it unexecutable).
    function store(bytes memory data) private returns (address out) {
        bytes memory code = abi.encodePacked(hex"00", data);
        bytes memory init = abi.encodePacked(hex"61", uint16(code.length), hex"80600a3d393df3", code);
        assembly {
            out := create(0, add(init, 0x20), mload(init))
        }
        require(out != address(0), "keys contract");
    }

    /// Where validator `index`'s key (128 bytes, EIP-2537 G1) is: its data contract and offset.
    function keyAt(uint256 index) private view returns (address data, uint256 offset) {
        uint256 c = index / KEYS_PER_CHUNK;
        data = c == 0 ? keys0 : c == 1 ? keys1 : c == 2 ? keys2 : c == 3 ? keys3 : c == 4 ? keys4 : keys5;
        offset = 1 + (index % KEYS_PER_CHUNK) * 128;
    }

    /// @notice Checks that row `row` of the block `header` holds blob `entry` and that its
    ///         polynomial takes `opening.y` at `opening.z`; reverts with a named error if not.
    /// @param header The header's canonical encoding (PROTOCOL §7, without its signature).
    /// @param certificate Its finality certificate's parts (its payload is the header's hash).
    /// @param blobIndex The blob's position in the block's index.
    /// @param entry The blob's 56-byte index entry (namespace ‖ start ‖ len ‖ commitment).
    /// @param path The entry's Merkle path, as Weft's bundle carries it (§14).
    /// @param row The row (0 ≤ row < k), one of the blob's rows.
    /// @param opening The row's opening at z.
    /// @return height The header's height.
    /// @return versionedHash The row's EIP-4844 versioned hash.
    function verifyRow(
        bytes calldata header,
        Certificate calldata certificate,
        uint32 blobIndex,
        bytes calldata entry,
        bytes32[] calldata path,
        uint256 row,
        Opening calldata opening
    ) external view returns (uint64 height, bytes32 versionedHash) {
        // The header: WEFT_HEADER_V1 ‖ height ‖ parent ‖ time ‖ k ‖ k × 48 ‖ count ‖ root ‖ producer.
        if (header.length < 132 || bytes14(header[0:14]) != bytes14("WEFT_HEADER_V1")) {
            revert MalformedHeader();
        }
        height = uint64(bytes8(header[14:22]));
        uint256 k = uint16(bytes2(header[62:64]));
        if (k > 128 || (k != 0 && k & (k - 1) != 0) || header.length != 132 + 48 * k) {
            revert MalformedHeader();
        }
        uint256 blobCount = uint32(bytes4(header[64 + 48 * k:68 + 48 * k]));
        bytes32 indexRoot = bytes32(header[68 + 48 * k:100 + 48 * k]);

        checkCertificate(sha256(header), certificate);

        if (entry.length != 56) revert WrongIndexPath();
        if (blobIndex >= blobCount) revert NoSuchBlob();
        bytes32 tree = merkleRoot(sha256(abi.encodePacked(hex"00", entry)), blobIndex, blobCount, path);
        if (sha256(abi.encodePacked(hex"02", uint32(blobCount), tree)) != indexRoot) {
            revert WrongIndexPath();
        }

        uint256 start = uint32(bytes4(entry[16:20]));
        uint256 len = uint32(bytes4(entry[20:24]));
        // The blob's rows, start / 4096 up to ⌈(start + ⌈len/31⌉) / 4096⌉, must lie in the square.
        uint256 endRow = (start + (len + 30) / 31 + 4095) / 4096;
        if (len == 0 || endRow > k || row < start / 4096 || row >= endRow) revert RowNotInBlob();

        bytes calldata commitment = header[64 + 48 * row:112 + 48 * row];
        versionedHash = (sha256(commitment) & ~bytes32(uint256(0xff) << 248)) | bytes32(uint256(1) << 248);
        if (opening.proof.length != 48) revert BadOpening();
        (bool ok, bytes memory out) = POINT_EVALUATION.staticcall(
            abi.encodePacked(versionedHash, opening.z, opening.y, commitment, opening.proof)
        );
        // The precompile answers FIELD_ELEMENTS_PER_BLOB ‖ BLS_MODULUS; an account without it
        // (a chain before EIP-4844) would answer nothing, and must not pass.
        if (!ok || out.length != 64 || keccak256(out) != POINT_EVALUATION_OK) revert BadOpening();
    }

    /// The certificate for the header whose hash is `payload`: chain, signers, quorum, then one
    /// pairing check of the aggregate signature against the signers' summed keys.
    function checkCertificate(bytes32 payload, Certificate calldata c) private view {
        if (keccak256(c.chainId) != chainIdHash) revert WrongChain();
        uint256 count = c.signers.length;
        if (count < quorum) revert TooFewSigners(count, quorum);
        // [sum so far (128) | next key (128)]: each key is copied behind the sum, and G1ADD
        // writes the new sum over the first half.
        bytes memory aggregate = new bytes(256);
        for (uint256 i = 0; i < count; i++) {
            uint256 index = c.signers[i];
            if (i > 0 && index <= c.signers[i - 1]) revert UnorderedSigners(index);
            if (index >= validators) revert UnknownSigner(index);
            (address data, uint256 offset) = keyAt(index);
            bool ok = true;
            assembly {
                switch i
                case 0 { extcodecopy(data, add(aggregate, 0x20), offset, 128) }
                default {
                    extcodecopy(data, add(aggregate, 0xa0), offset, 128)
                    ok := staticcall(gas(), 0x0b, add(aggregate, 0x20), 256, add(aggregate, 0x20), 128)
                }
            }
            if (!ok) revert PrecompileFailed(BLS12_G1ADD);
        }
        assembly {
            mstore(aggregate, 128)
        }
        bytes memory message = abi.encodePacked(
            namespacePrefix, varint(c.epoch), varint(c.proposalView), varint(c.parentView), payload
        );
        if (c.signature.length != 256) revert BadCertificateSignature();
        (bool ok, bytes memory out) = BLS12_PAIRING_CHECK.staticcall(
            abi.encodePacked(aggregate, hashToG2(message), NEG_G1, c.signature)
        );
        if (!ok || out.length != 32 || uint256(bytes32(out)) != 1) revert BadCertificateSignature();
    }

    /// Recomputes the index tree's root from a leaf and its path, as Weft's range proof of one
    /// leaf orders it: the siblings of the levels where the leaf lies right, top-down, then those
    /// where it lies left, bottom-up (RFC 6962 shape: split at the largest power of two below n).
    function merkleRoot(bytes32 leaf, uint256 index, uint256 n, bytes32[] calldata path)
        private
        pure
        returns (bytes32)
    {
        bool[32] memory right;
        uint256 depth = 0;
        uint256 offset = 0;
        uint256 size = n;
        while (size > 1) {
            if (depth == 32) revert WrongIndexPath();
            uint256 split = 1;
            while (split * 2 < size) split *= 2;
            if (index < offset + split) {
                size = split;
            } else {
                right[depth] = true;
                offset += split;
                size -= split;
            }
            depth++;
        }
        if (path.length != depth) revert WrongIndexPath();
        bytes32[32] memory sibling;
        uint256 next = 0;
        for (uint256 d = 0; d < depth; d++) {
            if (right[d]) sibling[d] = path[next++];
        }
        for (uint256 d = depth; d > 0; d--) {
            if (!right[d - 1]) sibling[d - 1] = path[next++];
        }
        bytes32 h = leaf;
        for (uint256 d = depth; d > 0; d--) {
            h = right[d - 1]
                ? sha256(abi.encodePacked(hex"01", sibling[d - 1], h))
                : sha256(abi.encodePacked(hex"01", h, sibling[d - 1]));
        }
        return h;
    }

    /// IETF hash_to_curve (BLS12381G2_XMD:SHA-256_SSWU_RO_) with this contract's DST: two field
    /// elements of Fp2 from expand_message_xmd, each mapped by EIP-2537's MAP_FP2_TO_G2 (which
    /// clears the cofactor), added with G2ADD.
    function hashToG2(bytes memory message) private view returns (bytes memory) {
        bytes memory uniform = expandMessageXmd(message);
        bytes memory q0 = call(BLS12_MAP_FP2_TO_G2, abi.encodePacked(fp(uniform, 0), fp(uniform, 1)));
        bytes memory q1 = call(BLS12_MAP_FP2_TO_G2, abi.encodePacked(fp(uniform, 2), fp(uniform, 3)));
        return call(BLS12_G2ADD, abi.encodePacked(q0, q1));
    }

    /// expand_message_xmd(message, DST, 256) with SHA-256 (RFC 9380 §5.3.1).
    function expandMessageXmd(bytes memory message) private pure returns (bytes memory out) {
        bytes memory dstPrime = abi.encodePacked(DST, uint8(DST.length));
        bytes32 b0 = sha256(abi.encodePacked(bytes32(0), bytes32(0), message, uint16(256), uint8(0), dstPrime));
        bytes32 b = sha256(abi.encodePacked(b0, uint8(1), dstPrime));
        out = new bytes(256);
        for (uint8 i = 1; i <= 8; i++) {
            if (i > 1) b = sha256(abi.encodePacked(b0 ^ b, i, dstPrime));
            assembly {
                mstore(add(out, mul(i, 0x20)), b)
            }
        }
    }

    /// The j-th 64-byte chunk of `uniform` reduced mod p (MODEXP with exponent 1), in
    /// EIP-2537's 64-byte field encoding.
    function fp(bytes memory uniform, uint256 j) private view returns (bytes memory) {
        bytes memory chunk = new bytes(64);
        assembly {
            mcopy(add(chunk, 0x20), add(add(uniform, 0x20), mul(j, 64)), 64)
        }
        bytes memory reduced = call(MODEXP, abi.encodePacked(uint256(64), uint256(1), uint256(48), chunk, uint8(1), P));
        return abi.encodePacked(bytes16(0), reduced);
    }

    /// A precompile's answer, or a revert naming it.
    function call(address precompile, bytes memory input) private view returns (bytes memory) {
        (bool ok, bytes memory out) = precompile.staticcall(input);
        if (!ok || out.length == 0) revert PrecompileFailed(precompile);
        return out;
    }

    /// Unsigned LEB128 (commonware's varint).
    function varint(uint256 value) private pure returns (bytes memory out) {
        do {
            uint8 b = uint8(value & 0x7f);
            value >>= 7;
            out = abi.encodePacked(out, value == 0 ? b : b | 0x80);
        } while (value != 0);
    }
}
