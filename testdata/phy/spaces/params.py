# params with spaces (neo cannot parse these)
dat_path = [r'raw data\rec 0.dat',
            'raw data/rec 1.dat']
n_channels_dat = 3
dtype = 'int16'
offset = 16
sample_rate = 10000.0  # Hz
hp_filtered = False
