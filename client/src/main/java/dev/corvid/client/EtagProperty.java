package dev.corvid.client;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * An entity's {@code Etag etag} property, as in the seed's pattern: a public {@code setEtag(Etag)}
 * method, else a non-static field {@code etag} of type {@link Etag}. Looked up once per class.
 */
final class EtagProperty {

    private static final ClassValue<EtagProperty> BY_CLASS = new ClassValue<>() {
        @Override
        protected EtagProperty computeValue(Class<?> type) {
            return find(type);
        }
    };

    private static final EtagProperty NONE = new EtagProperty(null, null);

    private final Method setter;
    private final Field field;

    private EtagProperty(Method setter, Field field) {
        this.setter = setter;
        this.field = field;
    }

    static EtagProperty of(Class<?> type) {
        return BY_CLASS.get(type);
    }

    /** Sets the entity's etag property to the {@code @etag} of {@code metadata}, if both exist. */
    static void copyFromMetadata(Object entity, com.fasterxml.jackson.databind.node.ObjectNode metadata) {
        if (entity == null || metadata == null || !metadata.hasNonNull(Metadata.ETAG)) {
            return;
        }
        EtagProperty property = of(entity.getClass());
        if (property != NONE) {
            property.set(entity, Etag.parse(metadata.get(Metadata.ETAG).asText()));
        }
    }

    private void set(Object entity, Etag etag) {
        try {
            if (setter != null) {
                setter.invoke(entity, etag);
            } else {
                field.set(entity, etag);
            }
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new CorvidException("cannot set the etag property of " + entity.getClass().getName() + ": " + e, e);
        }
    }

    private static EtagProperty find(Class<?> type) {
        try {
            Method setter = type.getMethod("setEtag", Etag.class);
            return new EtagProperty(setter, null);
        } catch (NoSuchMethodException e) {
            // no setter: look for a field
        }
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                Field field = c.getDeclaredField("etag");
                if (field.getType() == Etag.class && !Modifier.isStatic(field.getModifiers())
                        && !Modifier.isFinal(field.getModifiers()) && field.trySetAccessible()) {
                    return new EtagProperty(null, field);
                }
            } catch (NoSuchFieldException e) {
                // try the superclass
            }
        }
        return NONE;
    }
}
