dat_path = 'rec.dat'
n_channels_dat = 8
dtype = 'int16'
offset = 0
sample_rate = 20000.
hp_filtered = True
