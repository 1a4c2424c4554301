// Package runtime defines what a platform driver does for one environment:
// start it from a Spec, stop it (graceful, then forced), report the truth
// about it, and run processes inside it. Drivers never touch the inventory;
// the service layer turns inventory rows into Specs.
package runtime
