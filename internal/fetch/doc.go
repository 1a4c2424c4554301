// Package fetch downloads installation media (ISOs, cloud images) over
// HTTP(S): to a temporary file next to the destination, with the SHA-256
// computed on the way and checked before the file is renamed into place,
// and progress reported while it runs.
package fetch
