// Package repo reads and writes cbsd repositories: static trees of files,
// served by any web server, CDN or object store (or read from a local
// directory), that publish bases, kernels, images, ISOs and VM profiles.
//
// A repository looks like this:
//
//	index.json               the catalogue (Index): every Artifact by kind,
//	                         name, version, arch, size and SHA-256
//	index.json.minisig       an ed25519 signature of index.json in minisign
//	                         format, made with the publisher's secret key
//	objects/sha256/<hex>     the artifacts, stored under their own SHA-256
//
// Trust flows from the signature down: a Client accepts an index only when
// its signature verifies against one of the public keys the node trusts
// (W/etc/repo.keys, read by ReadKeys), and accepts an object only when its
// size and SHA-256 match what that index says. Because objects are named by
// their content, any mirror may serve the bytes and a stale or hostile
// mirror can at worst make a download fail.
//
// The lifecycle of a repository:
//
//  1. GenerateKey makes a key pair (W/etc/keys/<name>.key and .pub); the
//     public key goes into the repo.keys of every node that should trust
//     the publisher.
//  2. A Publisher copies files (or streams, such as WriteTarZstd of an
//     installed base) into objects/ (temp file + rename), then Commit
//     writes and signs a new index.json, renamed into place last, so a
//     reader never sees an index naming a missing object.
//  3. The tree is served as it is (Handler, or any static file server) and
//     mirrored with any file copier (objects first, index last).
//  4. A Client fetches and verifies the index from the first mirror that
//     serves a good one, finds an artifact (Index.Find) and downloads it:
//     to <dst>.part, resumed with an HTTP Range request after an
//     interruption, hashed on the way with bounded memory, and renamed to
//     dst only when it verifies. A mirror that fails in any way (refused
//     connection, HTTP error, bad signature, wrong bytes) is reported and
//     the next one is tried.
package repo
