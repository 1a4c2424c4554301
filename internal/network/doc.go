// Package network gives vnet environments their network: a host bridge made
// on demand, a veth pair per environment with the inner end in the
// environment's network namespace, and IPv4 allocation from the node's pool
// (ip4_addr=DHCP).
package network
