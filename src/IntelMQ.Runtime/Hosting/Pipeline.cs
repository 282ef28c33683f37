namespace IntelMQ.Runtime;

/// <summary>What a stage calls to pass a batch on to the stages inside it.</summary>
public delegate ValueTask BatchStep(Batch batch);

/// <summary>
/// One concern of the runtime around the component (acknowledging, sending, decoding, metrics): it does its part
/// before and after calling <paramref name="next"/>, as an ASP.NET Core middleware does.
/// </summary>
public interface IBatchStage
{
    ValueTask InvokeAsync(Batch batch, BatchStep next);
}

/// <summary>Stages composed outermost first, the component innermost.</summary>
public sealed class Pipeline
{
    readonly List<IBatchStage> _stages = [];

    public Pipeline Use(IBatchStage stage)
    {
        _stages.Add(stage);
        return this;
    }

    public BatchStep Build(IBatchStage component)
    {
        BatchStep step = batch => component.InvokeAsync(batch, _ => ValueTask.CompletedTask);
        for (var i = _stages.Count - 1; i >= 0; i--)
        {
            var stage = _stages[i];
            var next = step;
            step = batch => stage.InvokeAsync(batch, next);
        }
        return step;
    }
}
