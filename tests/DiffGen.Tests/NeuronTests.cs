namespace DiffGen.Tests;

public class NeuronTests
{
    [Fact]
    public void MatchesPyTorch()
    {
        double dw1 = 0, dw2 = 0, db = 0;
        var value = Straight.Neuron.CostGradient(2, -3, -3, -1, -2, 1, ref dw1, ref dw2, ref db);
        Assert.Equal(Straight.Neuron.Cost(2, -3, -3, -1, -2, 1), value);
        Assert.Equal(0.052877092784266715, dw1, 1e-12);
        Assert.Equal(0.10575418556853343, dw2, 1e-12);
        Assert.Equal(-0.052877092784266715, db, 1e-12);
    }
}
