-- The live demo: five temperature sensors (about 20 readings a second, up to 800 ms out of
-- order), averaged per sensor in 5-second windows and printed as each window closes.
-- Runs until Ctrl-C.
CREATE SOURCE sensors WITH (connector = 'datagen', generator = 'sensors', rate = 20, disorder = '800ms');

SELECT sensor, window_start, window_end, COUNT(*) AS readings, AVG(value) AS avg_value, MAX(value) AS max_value
FROM sensors
GROUP BY sensor, TUMBLE(ts, 5s);
