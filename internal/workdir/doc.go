// Package workdir knows CBSD's workdir layout: where each environment's
// data, system directory, fstab, descriptor and the inventory live.
package workdir
