// A spike queue for Brian2's cpp_standalone device that pushes runs of
// synapses instead of single synapses (part of the `stdp` package).
//
// Brian2's generated code uses one CSpikeQueue per Synapses pathway: the
// presynaptic spikes of each step are pushed (`push`), the synapses whose
// spikes arrive now are read (`peek`), then the queue moves on (`advance`).
// The queue is a ring of `n_slots` vectors of synapse indices; slot
// (head + d) % n_slots holds what arrives d steps from now.
//
// With heterogeneous delays Brian2's own queue appends every synapse of every
// spike separately (a delay lookup, a modulo and a push_back per synapse).
// Here `prepare` sorts each source's synapses once by delay (stably, so
// indices stay increasing within a delay) into runs of equal delay, and
// `push` appends each run with one contiguous copy. A slot then receives the
// same indices in the same order as with Brian2's queue (for each spike in
// order, the synapses with that delay in increasing index order), so the
// simulation is unchanged bit for bit; only the bookkeeping is cheaper
// (tests/test_engine.py compares both queues).
//
// The class keeps the interface the generated code calls: the constructor
// (source range), `openmp_padding`, `prepare`, `push`, `peek`, `advance`;
// and, for Brian2 >= 2.10, whose generated code writes every queue's state
// to the results folder after a run (its brianlib/spikequeue.cpp defines the
// stream operators declared below), `_full_state` and `_restore_from_full_state`.
#ifndef STDP_SPIKEQUEUE_H
#define STDP_SPIKEQUEUE_H

#include <algorithm>
#include <cstddef>
#include <iostream>
#include <utility>
#include <vector>
#include "stdint_compat.h"

// Brian2's generated synapses_classes.h writes `vector` unqualified and gets
// it from this header, as from Brian2's own queue.
using namespace std;

class CSpikeQueue
{
public:
    int openmp_padding;  // index of this queue's first synapse (OpenMP splits)

    CSpikeQueue(int source_start, int source_end)
        : openmp_padding(0), first_source(source_start), end_source(source_end),
          head(0), step_dt(0.0), single_delay(true), common_delay(0)
    {
        slots.resize(1);
    }

    // Set up the runs from the synapses' sources and delays (in seconds).
    // n_delays is 1 for a delay shared by all synapses, 0 without synapses.
    template <typename scalar>
    void prepare(scalar *real_delays, int n_delays, int32_t *sources, int n_synapses,
                 double dt)
    {
        if (step_dt != 0.0 && step_dt != dt)
            rescale(step_dt / dt);
        step_dt = dt;
        const int n_sources = end_source - first_source;
        std::vector<int> steps(n_delays > 1 ? n_synapses : 1, 0);
        int longest = 0, shortest = 0;
        for (int i = 0; i < n_delays && i < (int)steps.size(); i++)
        {
            steps[i] = (int)(real_delays[i] / dt + 0.5);
            if (i == 0 || steps[i] > longest) longest = steps[i];
            if (i == 0 || steps[i] < shortest) shortest = steps[i];
        }
        single_delay = (n_delays <= 1) || (longest == shortest);
        common_delay = n_delays >= 1 ? steps[0] : 0;
        // every source's synapses, then ordered by delay (stable: indices increase)
        std::vector< std::vector<int32_t> > by_source(n_sources);
        for (int i = 0; i < n_synapses; i++)
            by_source[sources[i] - first_source].push_back(i);
        run_synapses.assign(n_sources, std::vector<int32_t>());
        run_delay.assign(n_sources, std::vector<int32_t>());
        run_begin.assign(n_sources, std::vector<int32_t>());
        for (int s = 0; s < n_sources; s++)
        {
            std::vector<int32_t> &syn = by_source[s];
            if (!single_delay)
                std::stable_sort(syn.begin(), syn.end(), [&steps](int32_t a, int32_t b) {
                    return steps[a] < steps[b];
                });
            for (std::size_t k = 0; k < syn.size(); k++)
            {
                const int d = single_delay ? common_delay : steps[syn[k]];
                if (k == 0 || d != run_delay[s].back())
                {
                    run_delay[s].push_back(d);
                    run_begin[s].push_back((int32_t)k);
                }
                // the generated code indexes synapses from the start of the
                // whole group, not from this (OpenMP) part of it
                run_synapses[s].push_back(syn[k] + openmp_padding);
            }
            run_begin[s].push_back((int32_t)syn.size());
        }
        if ((int)slots.size() <= longest)
            grow(longest + 1);
    }

    // Schedule the synapses of the sources that spiked (sorted indices).
    void push(int32_t *spikes, int nspikes)
    {
        int32_t *lo = std::lower_bound(spikes, spikes + nspikes, first_source);
        int32_t *hi = std::lower_bound(lo, spikes + nspikes, end_source);
        const std::size_t n_slots = slots.size();
        for (int32_t *spike = lo; spike < hi; spike++)
        {
            const int s = *spike - first_source;
            const std::vector<int32_t> &syn = run_synapses[s];
            const std::vector<int32_t> &delay = run_delay[s];
            const std::vector<int32_t> &begin = run_begin[s];
            for (std::size_t r = 0; r < delay.size(); r++)
            {
                std::size_t slot = head + (std::size_t)delay[r];
                if (slot >= n_slots)
                    slot -= n_slots;
                std::vector<int32_t> &target = slots[slot];
                target.insert(target.end(), syn.begin() + begin[r], syn.begin() + begin[r + 1]);
            }
        }
    }

    // The synapses whose spikes arrive in this step.
    std::vector<int32_t> *peek() { return &slots[head]; }

    // Done with this step: empty its slot (keeping the memory) and move on.
    void advance()
    {
        slots[head].clear();
        head = (head + 1) % slots.size();
    }

    // What is queued, as in Brian2's queue: the current slot and all slots.
    std::pair<int, std::vector< std::vector<int32_t> > > _full_state() const
    {
        return std::make_pair((int)head, slots);
    }

    void _restore_from_full_state(const std::pair<int, std::vector< std::vector<int32_t> > > &state)
    {
        slots = state.second;
        if (slots.empty())  // stored before the queue existed
            slots.resize(1);
        head = (std::size_t)state.first % slots.size();
    }

private:
    std::vector< std::vector<int32_t> > slots;
    std::vector< std::vector<int32_t> > run_synapses;  // per source: synapses by delay
    std::vector< std::vector<int32_t> > run_delay;     // per source: each run's delay (steps)
    std::vector< std::vector<int32_t> > run_begin;     // per source: run starts, then the end
    int32_t first_source, end_source;
    std::size_t head;
    double step_dt;
    bool single_delay;
    int common_delay;

    // Make room for delays up to n - 1 steps; what is queued keeps its timing.
    void grow(std::size_t n)
    {
        std::rotate(slots.begin(), slots.begin() + head, slots.end());
        head = 0;
        slots.resize(n);
    }

    // dt changed between runs: move queued spikes to the nearest new step.
    void rescale(double factor)
    {
        std::vector< std::vector<int32_t> > old(slots.size());
        for (std::size_t i = 0; i < slots.size(); i++)
            old[i].swap(slots[(head + i) % slots.size()]);
        slots.assign((std::size_t)(old.size() * factor) + 1, std::vector<int32_t>());
        for (std::size_t i = 0; i < old.size(); i++)
        {
            std::vector<int32_t> &target = slots[(std::size_t)(i * factor + 0.5)];
            target.insert(target.end(), old[i].begin(), old[i].end());
        }
        head = 0;
    }
};

// Defined by Brian2 >= 2.10 (brianlib/spikequeue.cpp), whose code writes each queue after a run.
ostream &operator<<(ostream &os, const CSpikeQueue &queue);
istream &operator>>(istream &is, CSpikeQueue &queue);

#endif
