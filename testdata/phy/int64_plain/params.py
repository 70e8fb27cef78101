dat_path = 'missing.dat'
n_channels_dat = 4
dtype = 'int16'
offset = 0
sample_rate = 30000.
hp_filtered = False
