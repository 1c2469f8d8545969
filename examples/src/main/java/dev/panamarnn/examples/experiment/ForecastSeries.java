package dev.panamarnn.examples.experiment;

import dev.panamarnn.data.TimeSeries;
import dev.panamarnn.examples.support.EmbeddedData;
import java.io.IOException;
import java.util.Arrays;

/**
 * One series of {@code rnn experiment forecast} and the protocol fixed for it before looking at
 * any result: how many final values are held out (the horizon h), the period of its
 * seasonal-naive baseline, the period that scales MASE, the training window length and the
 * preprocessing the networks get (chosen from what the series is: airline passengers grow
 * multiplicatively with a yearly season -> log and a lag-12 difference; CO2 has a trend and an
 * additive yearly season -> a lag-12 difference; sunspots have no calendar season -> none).
 */
public record ForecastSeries(String id, String file, int horizon, int seasonalPeriod, int scalePeriod, int window,
                             SeriesTransform transform) {
    public static final ForecastSeries SUNSPOTS = new ForecastSeries("sunspots", "sunspot_month.csv", 120, 132, 1, 48,
            SeriesTransform.NONE);
    public static final ForecastSeries AIRLINE = new ForecastSeries("airline", "air_passengers.csv", 24, 12, 12, 24,
            new SeriesTransform(true, 12));
    public static final ForecastSeries CO2 = new ForecastSeries("co2", "co2_mauna_loa.csv", 60, 12, 12, 36,
            new SeriesTransform(false, 12));

    public static ForecastSeries fromId(String id) {
        for (ForecastSeries s : new ForecastSeries[] {SUNSPOTS, AIRLINE, CO2}) {
            if (s.id.equalsIgnoreCase(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown series '" + id + "'; expected sunspots, airline or co2");
    }

    public ForecastSeries withHorizon(int h) {
        return new ForecastSeries(id, file, h, seasonalPeriod, scalePeriod, window, transform);
    }

    public ForecastSeries withTransform(SeriesTransform t) {
        return new ForecastSeries(id, file, horizon, seasonalPeriod, scalePeriod, window, t);
    }

    public TimeSeries read() throws IOException {
        return EmbeddedData.series(file);
    }

    /**
     * The held-out split of {@code values}: the last h values are the truth; everything the
     * networks train on is computed from the history before them.
     */
    public record Split(double[] history, double[] truth, double[] trainingInput, double[] tailInput) {}

    /**
     * History y_0 .. y_{n-h-1} and truth y_{n-h} .. y_{n-1}; the transformed history (what the
     * network trains on and reads before forecasting) and the transformed tail (what rolling
     * one-step forecasts read, one observed value at a time).
     */
    public Split split(double[] values) {
        int minimum = transform.lag() + window + 2;
        if (horizon < 1 || values.length - horizon < Math.max(minimum, seasonalPeriod + 1)) {
            throw new IllegalArgumentException(id + ": holding out " + horizon + " of " + values.length + " values leaves too little history (need at least "
                    + Math.max(minimum, seasonalPeriod + 1) + ")");
        }
        int n = values.length - horizon;
        double[] history = Arrays.copyOf(values, n);
        double[] truth = Arrays.copyOfRange(values, n, values.length);
        double[] trainingInput = transform.apply(history);
        double[] all = transform.apply(values);
        double[] tailInput = Arrays.copyOfRange(all, trainingInput.length, all.length);
        return new Split(history, truth, trainingInput, tailInput);
    }
}
