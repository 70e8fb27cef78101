sample_rate = 25000
