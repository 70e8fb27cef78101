//! spikedata (under construction)
