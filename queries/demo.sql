-- The live demo: five temperature sensors producing about four readings a second, as in the
-- Quix Streams tutorial, up to 800 ms out of order; each sensor's 5-second window is printed
-- as it closes. Runs until Ctrl-C.
CREATE SOURCE sensors WITH (connector = 'datagen', generator = 'sensors', rate = 4, disorder = '800ms');

SELECT sensor, window_start, window_end, COUNT(*) AS readings, AVG(value) AS avg_value, MAX(value) AS max_value
FROM sensors
GROUP BY sensor, TUMBLE(ts, 5s);
