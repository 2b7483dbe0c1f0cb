package dev.corvid.node.rpc;

import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Rebuilds a gRPC service with each method replaced, keeping its name and schema (reflection still sees it). */
final class ServiceMethods {

    private ServiceMethods() {
    }

    static ServerServiceDefinition replace(ServerServiceDefinition service,
                                           Function<ServerMethodDefinition<?, ?>, ServerMethodDefinition<?, ?>> each) {
        ServiceDescriptor original = service.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
                .setSchemaDescriptor(original.getSchemaDescriptor());
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            ServerMethodDefinition<?, ?> replaced = each.apply(method);
            descriptor.addMethod(replaced.getMethodDescriptor());
            methods.add(replaced);
        }
        ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(out::addMethod);
        return out.build();
    }
}
