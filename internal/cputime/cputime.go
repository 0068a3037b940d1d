// Package cputime reads how much CPU time this process, its finished
// children or the calling thread have used. Benchmarks on shared machines
// report it beside wall-clock time, which other tenants make noisy.
//
// Each function returns 0 where the platform cannot tell.
package cputime
