dat_path = 'missing.dat'
n_channels_dat = 12
dtype = 'int16'
offset = 0
sample_rate = 20000.0
hp_filtered = False
