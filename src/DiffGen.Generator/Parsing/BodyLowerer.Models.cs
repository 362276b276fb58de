using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using DiffGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DiffGen.Generator.Parsing;

// Models as types. A parameter of a struct, class or record type, or the instance of an instance method,
// is a tree of members. Each leaf the body reads (a double or float field or auto-property, an array, an
// integral or bool value) becomes a parameter variable of the IR, which the generated method binds to
// the member it reads (model.Layer1.W) and whose gradient goes to the same member of the gradient output
// (dmodel.Layer1.W). Members nobody reads are not inputs at all. Computed properties and instance methods
// of a model are lowered in place, with `this` naming the model they are called on.
internal sealed partial class BodyLowerer
{
    /// <summary>A model object: a root (a model parameter, or this) and a path of members below it.</summary>
    /// <param name="Type">Its type.</param>
    /// <param name="Access">How generated code reads it: <c>model</c>, <c>model.Layer1</c>, <c>this</c>.</param>
    /// <param name="GradientAccess">The same object in the gradient output: <c>dmodel.Layer1</c>.</param>
    /// <param name="Prefix">How the names of its leaves start: <c>model_Layer1_</c> (nothing for this).</param>
    /// <param name="Differentiable">Whether its floating-point members get gradients: not under [NoDerivative].</param>
    /// <param name="GradientAssignable">Whether its members can be assigned through <see cref="GradientAccess"/>: a reference type, or a struct reached through a ref and fields only.</param>
    /// <param name="Element">For an element of an array of models (<c>Layers[l]</c>, or a model inside one): which; its members are read through <see cref="ModelElementRead"/>.</param>
    /// <param name="Unreachable">A member on the way to it that the generated method cannot name (private to another type), or null.</param>
    private sealed record ModelValue(ITypeSymbol Type, string Access, string GradientAccess, string Prefix, bool Differentiable, bool GradientAssignable, ModelElement? Element = null, string? Unreachable = null) : Operand;

    /// <summary>An element of an array of models: the array's variable, the index, and the path below the element (<c>.Inner</c>).</summary>
    /// <param name="PendingIndex">An index expression not lowered yet (side-effect free, so lowering it at each read is the same).</param>
    /// <param name="Reads">Its members read where it was bound (a local, a receiver, a foreach variable), by path: one read of each row, not one per use.</param>
    private sealed record ModelElement(int Models, IOperation? PendingIndex, Operand? Index, string Suffix, ImmutableDictionary<string, Operand>? Reads = null);

    // The model `this` names: the instance of an instance method, or the receiver of one lowered in place.
    private ModelValue? _this;

    // Each leaf read so far, by how it is read, and its parameter spec.
    private readonly Dictionary<string, int> _leaves = new(StringComparer.Ordinal);
    private readonly List<ParameterSpec> _leafSpecs = new();

    /// <summary>The type the generated methods are members of: what they can name.</summary>
    public INamedTypeSymbol? GeneratedIn { get; set; }

    // Whether generated code in the method's type can read (or, with write, assign) a member by name.
    private bool CanName(ISymbol member, bool write = false)
    {
        var within = (ISymbol?)GeneratedIn ?? _model.Compilation.Assembly;
        bool Accessible(ISymbol symbol) => _model.Compilation.IsSymbolAccessibleWithin(symbol, within);
        return member switch
        {
            IPropertySymbol property => Accessible(property) && (write ? property.SetMethod is { } setter && Accessible(setter) : property.GetMethod is { } getter && Accessible(getter)),
            _ => Accessible(member),
        };
    }

    /// <summary>The members of models the body reads, as parameters with a <see cref="ParameterSpec.Member"/>, in the order first read.</summary>
    public IReadOnlyList<ParameterSpec> ModelLeaves => _leafSpecs;

    /// <summary>Registers a parameter of a model type; its members become inputs as the body reads them.</summary>
    public void AddModel(IParameterSymbol parameter, string name, string? gradientName) =>
        _values.Bind(parameter, new ModelValue(parameter.Type, name, gradientName ?? string.Empty, name.TrimStart('@') + "_", gradientName is not null, GradientAssignable: true));

    /// <summary>Registers the instance of an instance method.</summary>
    public void AddInstance(ITypeSymbol type, string? gradientName) =>
        _this = new ModelValue(type, "this", gradientName ?? string.Empty, string.Empty, gradientName is not null, GradientAssignable: true);

    // The model an expression names: a model parameter, this, a local naming one, or a member of a model type of one.
    private ModelValue? ModelOf(IOperation operation)
    {
        while (operation is IConversionOperation { Conversion.IsIdentity: true } conversion)
        {
            operation = conversion.Operand;
        }

        if (operation is IInstanceReferenceOperation)
        {
            return _this;
        }

        if (operation is IParameterReferenceOperation or ILocalReferenceOperation)
        {
            return NamedValue(operation) as ModelValue;
        }

        if (operation is IArrayElementReferenceOperation { Indices.Length: 1 } element && IsPure(element.Indices[0])
            && ModelArrayVariable(element.ArrayReference) is { } models)
        {
            return ElementOf(models, element.ArrayReference, new ModelElement(models.Id, element.Indices[0], null, string.Empty));
        }

        return MemberOf(operation) is { } read && TypeMapping.IsModelType(read.Type) && (read.Member is not IPropertySymbol property || IsStored(property))
            ? Child(read.Owner, read.Member, read.Type)
            : null;
    }

    // A field or stored property read from a model: the model, the member and its type. No side effects.
    private (ModelValue Owner, ISymbol Member, ITypeSymbol Type)? MemberOf(IOperation operation)
    {
        var (instance, member, type) = operation switch
        {
            IFieldReferenceOperation { Instance: { } i, Field: { IsStatic: false } f } when !f.ContainingType.IsTupleType => (i, (ISymbol)f, f.Type),
            IPropertyReferenceOperation { Instance: { } i, Property: { IsStatic: false, IsIndexer: false } p } => (i, p, p.Type),
            _ => (null, null!, null!),
        };
        return instance is not null && ModelOf(instance) is { } owner ? (owner, member, type) : null;
    }

    private ModelValue Child(ModelValue owner, ISymbol member, ITypeSymbol type)
    {
        var name = MethodParser.MemberStep(member, type);

        // A struct member is storage only when it is a field of storage; a reference always is.
        var assignable = type.IsReferenceType || member is IFieldSymbol { IsReadOnly: false } && owner.GradientAssignable;
        return new ModelValue(
            type,
            owner.Access + name,
            owner.GradientAccess + name,
            owner.Prefix + member.Name + "_",
            owner.Differentiable && !member.GetAttributes().Any(TypeMapping.IsNoDerivativeAttribute),
            assignable,
            owner.Element is { } element ? element with { Suffix = element.Suffix + name } : null,
            owner.Unreachable ?? (CanName(member) ? null : member.ContainingType.Name + "." + member.Name));
    }

    // Whether an operation reads an array member of a model (no side effects: a predicate for IsArrayReference).
    private bool IsModelArray(IOperation operation) =>
        MemberOf(operation) is { Type: var type } && TypeMapping.TryMapAnyCollection(type) is { Shape: ParameterShape.Array }
        && !(operation is IPropertyReferenceOperation { Property: var property } && !IsStored(property));

    /// <summary>
    /// A member of a model read as a value: a leaf's variable, a model (a member of a model type), or a computed
    /// property lowered in place; null when the operation reads no model's member.
    /// </summary>
    private Operand? ModelMemberRead(IOperation operation)
    {
        if (MemberOf(operation) is not var (owner, member, type))
        {
            return null;
        }

        if (member is IPropertySymbol property && !IsStored(property))
        {
            return ComputedProperty(operation, property, Evaluated(owner));
        }

        if (TypeMapping.IsModelType(type))
        {
            return Child(owner, member, type);
        }

        if (owner.Element is { } ofElement)
        {
            return ElementMemberRead(operation, owner, ofElement, member, type);
        }

        if (TypeMapping.TryMap(type) is { Kind: not ScalarKind.Other } scalar)
        {
            return Leaf(operation, owner, member, type, scalar, ParameterShape.Scalar) is { } id ? new VariableOperand(id) : Dummy(operation);
        }

        if (TypeMapping.TryMapAnyCollection(type) is { Shape: ParameterShape.Array, Element: var element })
        {
            return Leaf(operation, owner, member, type, element, ParameterShape.Array) is { } id ? new VariableOperand(id) : Dummy(operation);
        }

        if (type is IArrayTypeSymbol { ElementType: var modelElement } && TypeMapping.IsModelType(modelElement))
        {
            return modelElement.IsValueType
                ? UnsupportedExpression(operation, "an array of struct models ('" + member.Name + "')", "make " + modelElement.Name + " a class, or give each element its own member")
                : UnsupportedExpression(operation, "using the array of models '" + member.Name + "' as a value", "index it (" + member.Name + "[i]), loop over it (foreach, or for up to " + member.Name + ".Length), or read its Length");
        }

        return UnsupportedExpression(operation, "reading '" + member.Name + "' of type '" + TypeMapping.Display(type) + "'", "keep a model's parameters in double or float fields and properties, double[] or float[] arrays, or members of other model types; mark data [NoDerivative]");
    }

    // The variable of a leaf, made the first time it is read; null when its gradient has nowhere to go (reported).
    private int? Leaf(IOperation at, ModelValue owner, ISymbol member, ITypeSymbol type, TypeRef element, ParameterShape shape)
    {
        var access = owner.Access + MethodParser.MemberStep(member, type);
        if (_leaves.TryGetValue(access, out var existing))
        {
            return existing;
        }

        var differentiable = owner.Differentiable && element.IsFloating && !member.GetAttributes().Any(TypeMapping.IsNoDerivativeAttribute);
        var gradientAccess = owner.GradientAccess + MethodParser.MemberStep(member, type);
        // An init-only property of a struct (a readonly record struct's) is added to by replacing the struct: d = d with { X = d.X + dX }.
        var byWith = owner.Type.IsValueType && member is IPropertySymbol { SetMethod.IsInitOnly: true };

        if (owner.Unreachable is { } unreachable)
        {
            UnsupportedExpression(at, "reading '" + member.Name + "' through '" + unreachable + "', which the generated gradient cannot name", "make '" + unreachable + "' internal or public");
            return null;
        }

        // A member generated code cannot name (private to another type: a field behind a computed property, a private
        // setter), or an init-only auto-property or readonly field of a class (a positional record's): reached through
        // an [UnsafeAccessor] to its field (.NET 8), read and written in place all the same.
        var settable = CanAssign(member);
        var needsStorage = !CanName(member) || differentiable && shape == ParameterShape.Scalar && !settable && !byWith;
        var storage = needsStorage && owner.Type.IsReferenceType ? StorageField(member) : null;
        if (TypeMapping.IsEnum(type) && needsStorage)
        {
            UnsupportedExpression(at, "reading the enum '" + member.Name + "', which the generated gradient cannot name", "make '" + member.Name + "' internal or public");
            return null;
        }

        if (needsStorage && storage is null && !CanName(member))
        {
            UnsupportedExpression(at, "reading '" + member.Name + "', which the generated gradient cannot name", "make '" + member.Name + "' internal or public (or its type a class, whose fields DiffGen reaches through [UnsafeAccessor])");
            return null;
        }

        if (differentiable && shape == ParameterShape.Scalar && !(owner.GradientAssignable && (settable || byWith || storage is not null)))
        {
            var why = owner.GradientAssignable
                ? "give '" + member.Name + "' a setter ({ get; set; }) or make it a field that is not readonly" + (owner.Type.IsReferenceType ? string.Empty : ", or an init-only property")
                : "make the struct members on the way to it fields that are not readonly, not properties";
            UnsupportedExpression(at, "'" + member.Name + "' (its gradient is added to " + gradientAccess.TrimStart('@') + ", which cannot be assigned)", why + ", or mark it [NoDerivative] if it is data");
            return null;
        }

        var name = _names.Claim(MethodParser.Escape(owner.Prefix + member.Name));
        var id = _ir.Declare(name, element, VariableOrigin.Parameter, shape);
        _leaves.Add(access, id);
        var isEnum = TypeMapping.IsEnum(type);
        _leafSpecs.Add(new ParameterSpec(
            name,
            isEnum ? element.Name : MethodParser.TypeText(type), // an enum is read as its integer
            shape,
            element,
            differentiable ? _names.Claim("d" + name.TrimStart('@')) : null,
            id,
            Member: new ModelMember(isEnum ? "(" + element.Name + ")" + access : access, gradientAccess, byWith && !settable && storage is null, Storage: storage)));
        return id;
    }

    // The model member a read goes through when the read itself is not one: the array in layers[i].W, the list in list[i].
    private IOperation? UnreadableModelMember(IOperation operation)
    {
        var inner = operation switch
        {
            IFieldReferenceOperation { Instance: IArrayElementReferenceOperation { ArrayReference: var array } } => array,
            IPropertyReferenceOperation { Property.IsIndexer: false, Instance: IArrayElementReferenceOperation { ArrayReference: var array } } => array,
            IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } collection } => collection,
            _ => null,
        };
        if (inner is null || MemberOf(inner) is null)
        {
            return null;
        }

        // layers[i++].W: the index is what is wrong, reported where the element is read.
        return IsModelArrayMember(inner) && operation is IMemberReferenceOperation { Instance: IArrayElementReferenceOperation element } ? element : inner;
    }

    // Whether a member read goes through a local whose declaration was reported (var ls = model.Layers; ls[0].W).
    private bool ReadsRejectedLocal(IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IMemberReferenceOperation { Instance: { } instance }:
                    operation = instance;
                    break;
                case IInvocationOperation { Instance: { } receiver }:
                    operation = receiver;
                    break;
                case IArrayElementReferenceOperation element:
                    operation = element.ArrayReference;
                    break;
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    break;
                default:
                    return operation is ILocalReferenceOperation { Local: var local } && _rejected.Contains(local);
            }
        }
    }

    // ---- arrays of models: Layers[l].W ----

    // The variable of an array of class models read from a model (this.Layers), made the first time it is read; null for anything else.
    private VariableOperand? ModelArrayVariable(IOperation operation)
    {
        while (operation is IConversionOperation { Conversion.IsIdentity: true } conversion)
        {
            operation = conversion.Operand;
        }

        if (MemberOf(operation) is not var (owner, member, type) || !IsModelArrayType(type) || owner.Element is not null
            || member is IPropertySymbol property && !IsStored(property) || owner.Unreachable is not null || !CanName(member))
        {
            return null;
        }

        var access = owner.Access + MethodParser.MemberStep(member, type);
        if (!_leaves.TryGetValue(access, out var id))
        {
            var name = _names.Claim(MethodParser.Escape(owner.Prefix + member.Name));
            var differentiable = owner.Differentiable && !member.GetAttributes().Any(TypeMapping.IsNoDerivativeAttribute);
            id = _ir.Declare(name, _precision, VariableOrigin.Parameter, ParameterShape.Array);
            _leaves.Add(access, id);
            _leafSpecs.Add(new ParameterSpec(
                name,
                MethodParser.TypeText(type),
                ParameterShape.Array,
                _precision,
                differentiable ? _names.Claim("d" + name.TrimStart('@')) : null,
                id,
                Member: new ModelMember(access, owner.GradientAccess + MethodParser.MemberStep(member, type), OfModels: true)));
        }

        return new VariableOperand(id);
    }

    // Whether an operation reads an array of class models from a model (a predicate: no side effects).
    private bool IsModelArrayMember(IOperation operation)
    {
        while (operation is IConversionOperation { Conversion.IsIdentity: true } conversion)
        {
            operation = conversion.Operand;
        }

        return MemberOf(operation) is { Owner.Element: null, Type: var type } && IsModelArrayType(type);
    }

    private static bool IsModelArrayType(ITypeSymbol type) =>
        type is IArrayTypeSymbol { IsSZArray: true, ElementType: INamedTypeSymbol { IsReferenceType: true } element } && TypeMapping.IsModelType(element);

    private ModelValue ElementOf(VariableOperand models, IOperation array, ModelElement element)
    {
        var spec = _leafSpecs.First(l => l.Variable == models.Id);
        var type = ((IArrayTypeSymbol)array.Type!).ElementType;
        return new ModelValue(type, spec.Name + "[…]", spec.Member!.GradientAccess + "[…]", spec.Name.TrimStart('@') + "_", spec.IsDifferentiable, GradientAssignable: true, element);
    }

    // The element an index names, bound here (a local, a receiver, an argument, a foreach variable): its index lowered
    // now, and its rows and scalars read once now, so that a loop using them reads (and its reverse flushes) each once.
    // Reads nobody uses are dead code and not emitted.
    private ModelValue Evaluated(ModelValue model)
    {
        if (model.Element is not { } element || element.Reads is not null)
        {
            return model;
        }

        var index = element.Index ?? ElementIndex(element.PendingIndex!);
        var reads = ImmutableDictionary.Create<string, Operand>(StringComparer.Ordinal);
        foreach (var member in model.Type.GetMembers().Where(m => !m.IsStatic && m is IFieldSymbol { IsImplicitlyDeclared: false, IsConst: false } or IPropertySymbol { IsIndexer: false }))
        {
            if (member is IPropertySymbol property && !IsStored(property) || model.Unreachable is not null || !CanName(member))
            {
                continue;
            }

            var type = member is IFieldSymbol field ? field.Type : ((IPropertySymbol)member).Type;
            var differentiable = model.Differentiable && !member.GetAttributes().Any(TypeMapping.IsNoDerivativeAttribute);
            var path = element.Suffix + MethodParser.MemberStep(member, type);
            if (TypeMapping.TryMapAnyCollection(type) is { Shape: ParameterShape.Array, Element: var elementType })
            {
                reads = reads.Add(path, Row(model, element.Models, index, path, member.Name, elementType, differentiable && elementType.IsFloating));
            }
            else if (TypeMapping.TryMap(type) is { Kind: not ScalarKind.Other } scalar
                     && (!differentiable || !scalar.IsFloating || CanAssign(member) && model.Type.IsReferenceType && model.GradientAssignable))
            {
                reads = reads.Add(path, _ir.Compute(scalar, new ModelElementRead(element.Models, index, path, differentiable && scalar.IsFloating, TypeMapping.IsEnum(type) ? scalar.Name : null)));
            }
        }

        return model with { Element = element with { Index = index, PendingIndex = null, Reads = reads } };
    }

    private Operand Row(ModelValue owner, int models, Operand index, string path, string name, TypeRef elementType, bool differentiable)
    {
        // An element at a constant index (parts[1].w) is read once, at the top of the method, wherever the body reads it.
        var key = models + "[" + (index as LiteralOperand)?.Text + "]" + path;
        if (index is LiteralOperand && _leaves.TryGetValue(key, out var existing))
        {
            return new VariableOperand(existing);
        }

        var row = _ir.NewLocal(owner.Prefix + name, elementType, ParameterShape.Array);
        var read = new AssignStatement(row, new ModelElementRead(models, index, path, differentiable));
        if (index is LiteralOperand)
        {
            _ir.Hoist(read);
            _leaves.Add(key, row);
        }
        else
        {
            _ir.Emit(read);
        }

        _rows.Add(row);
        return new VariableOperand(row);
    }

    private Operand ElementIndex(IOperation index) => _ir.Convert(LowerExpression(index), RequireType(index), TypeRef.Int);

    // An index of an array of models is lowered where each member is read: it must not change anything.
    private static bool IsPure(IOperation index) =>
        !index.DescendantsAndSelf().Any(o => o is IAssignmentOperation or IIncrementOrDecrementOperation or IInvocationOperation or IDeconstructionAssignmentOperation);

    // A member of an element of an array of models: a scalar through ModelElementRead, or a row (an array the body only reads).
    private Operand ElementMemberRead(IOperation at, ModelValue owner, ModelElement element, ISymbol member, ITypeSymbol type)
    {
        var path = element.Suffix + MethodParser.MemberStep(member, type);
        if (element.Reads is { } reads && reads.TryGetValue(path, out var read))
        {
            return read;
        }

        if (owner.Unreachable is not null || !CanName(member))
        {
            return UnsupportedExpression(at, "reading '" + member.Name + "' of an element of an array of models, which the generated gradient cannot name", "make '" + (owner.Unreachable ?? member.Name) + "' internal or public");
        }

        var differentiable = owner.Differentiable && !member.GetAttributes().Any(TypeMapping.IsNoDerivativeAttribute);
        if (TypeMapping.TryMap(type) is { Kind: not ScalarKind.Other } scalar)
        {
            if (differentiable && scalar.IsFloating && !(CanAssign(member) && owner.Type.IsReferenceType && owner.GradientAssignable))
            {
                return UnsupportedExpression(at, "'" + member.Name + "' (its gradient is added to the gradient model's element, which cannot be assigned)",
                    "give '" + member.Name + "' a setter ({ get; set; }) or make it a field that is not readonly, in a class; or mark it [NoDerivative] if it is data");
            }

            var index = element.Index ?? ElementIndex(element.PendingIndex!);
            return _ir.Compute(scalar, new ModelElementRead(element.Models, index, path, differentiable && scalar.IsFloating, TypeMapping.IsEnum(type) ? scalar.Name : null));
        }

        if (TypeMapping.TryMapAnyCollection(type) is { Shape: ParameterShape.Array, Element: var elementType })
        {
            return Row(owner, element.Models, element.Index ?? ElementIndex(element.PendingIndex!), path, member.Name, elementType, differentiable && elementType.IsFloating);
        }

        return UnsupportedExpression(at, "reading '" + member.Name + "' of type '" + TypeMapping.Display(type) + "' from an element of an array of models",
            "keep its parameters in double or float fields and properties, double[] or float[] arrays, or models of their own");
    }

    // The field an init-only auto-property or a readonly field stores its value in, when an [UnsafeAccessor] can reach it.
    private FieldStorage? StorageField(ISymbol member)
    {
        if (_model.Compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.UnsafeAccessorAttribute") is null
            || member.ContainingType is not { IsGenericType: false } owner || !_model.Compilation.IsSymbolAccessibleWithin(owner, _model.Compilation.Assembly))
        {
            return null;
        }

        var field = member switch
        {
            IFieldSymbol { IsImplicitlyDeclared: false } declared => declared.Name,
            IPropertySymbol property when IsStored(property) && property.DeclaringSyntaxReferences.Length > 0 => "<" + property.Name + ">k__BackingField",
            _ => null,
        };
        return field is null ? null : new FieldStorage(field, MethodParser.TypeText(owner));
    }

    // Whether an argument is a row of an array of models: Layers[l].W, or a local naming one (no side effects).
    private bool PassesModelRow(IOperation argument)
    {
        while (argument is IConversionOperation conversion)
        {
            argument = conversion.Operand;
        }

        return MemberOf(argument) is { Owner.Element: not null, Type: IArrayTypeSymbol }
            || NamedValue(argument) is VariableOperand { Id: var id } && _rows.Contains(id);
    }

    // Whether generated code in the method's type can assign a member: a field that is not readonly, or a property
    // with a setter it can reach (not init-only).
    private bool CanAssign(ISymbol member) => TypeMapping.IsAssignable(member) && CanName(member, write: true);

    // A stored property: an auto-property (it has a backing field), or one of a referenced assembly (its body is not visible).
    private static bool IsStored(IPropertySymbol property) =>
        property.DeclaringSyntaxReferences.Length == 0
        || property.ContainingType.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));

    // A computed property of a model (double Scale => Math.Exp(LogScale);), lowered in place with `this` the model.
    private Operand ComputedProperty(IOperation at, IPropertySymbol property, ModelValue owner)
    {
        var getter = property.GetMethod;
        var syntax = getter?.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken);
        if (getter is null || syntax is null || !_model.Compilation.ContainsSyntaxTree(syntax.SyntaxTree))
        {
            return UnsupportedExpression(at, "reading the property '" + property.Name + "'", "read fields or auto-properties of a model, or computed properties declared in this compilation");
        }

        var model = ModelOfTree(syntax.SyntaxTree);
        var body = model.GetOperation(syntax, _cancellationToken) switch
        {
            IMethodBodyOperation bodies => bodies.BlockBody ?? bodies.ExpressionBody,
            IBlockOperation block => block,
            _ => null,
        };
        if (body is null)
        {
            return UnsupportedExpression(at, "reading the property '" + property.Name + "'", "give it a getter with a body (=> expression or { return …; })");
        }

        return Inline(at, ImmutableArray<IArgumentOperation>.Empty, new Inlinee(getter, body, model, CanBeCalled: false, owner), "property");
    }
}
